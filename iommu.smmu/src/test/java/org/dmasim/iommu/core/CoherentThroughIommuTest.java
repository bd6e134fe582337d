package org.dmasim.iommu.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.iommu.IommuDomainInfo;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.testing.Gfps;
import org.junit.jupiter.api.Test;

/**
 * {@code iommu_dma_alloc} on the edu PCI device (coherent, like its host bridge): a blocking
 * allocation gathers pages one by one (orders 9 and 0 on a 4 KiB SMMUv3; 16 pages are order 0
 * each), maps them at one IOVA from the coherent mask and vmaps them for the CPU, so the pages may
 * be anywhere; a non-blocking one on a coherent device takes one contiguous block in the linear
 * map. Freeing gives every page and the IOVA back; page-table pages stay with the domain (6.1
 * does not free empty tables).
 */
class CoherentThroughIommuTest {
    private static final int SIZE = 64 << 10;

    private final SmmuRig r = SmmuRig.profile();
    private final DmaDevice edu = r.edu();

    CoherentThroughIommuTest() {
        assertEquals(0, r.dma.setMaskAndCoherent(edu, -1L));
        assertTrue(edu.coherent(), "the host bridge is dma-coherent");
    }

    /** Leaves the order-0 free list holding every other page of a block: single pages come scattered. */
    private void fragment() {
        long[] pfns = new long[64];
        for (int i = 0; i < pfns.length; i++) {
            pfns[i] = r.buddy.allocPages(Gfp.GFP_KERNEL, 0);
        }
        for (int i = 1; i < pfns.length; i += 2) {
            r.buddy.freePages(pfns[i], 0);
        }
    }

    /** The physical page behind each page of the CPU mapping. */
    private long[] cpuPages(CoherentBuffer b) {
        long[] phys = new long[(int) (b.reserved() / Page.PAGE_SIZE)];
        for (int i = 0; i < phys.length; i++) {
            phys[i] = r.vm.toPhys(b.cpuAddr() + i * Page.PAGE_SIZE);
        }
        return phys;
    }

    /** The physical page of each 4 KiB leaf of the page table over the buffer's IOVA range. */
    private List<Long> leafPages(CoherentBuffer b) {
        List<Long> out = new ArrayList<>();
        for (String leaf : r.leaves(edu, b.dmaHandle(), b.size())) {
            assertTrue(leaf.contains(" L3 4K -> "), leaf);
            out.add(Long.decode(leaf.substring(leaf.indexOf("-> ") + 3, leaf.indexOf(" pte"))));
        }
        return out;
    }

    private static boolean contiguous(long[] phys) {
        for (int i = 1; i < phys.length; i++) {
            if (phys[i] != phys[0] + i * Page.PAGE_SIZE) {
                return false;
            }
        }
        return true;
    }

    private IommuDomainInfo domain() {
        int id = r.iommu.group(edu).orElseThrow().domain();
        return r.iommu.domains().stream().filter(d -> d.id() == id).findFirst().orElseThrow();
    }

    private long tablePages() {
        return domain().tablePages();
    }

    @Test
    void aBlockingAllocationIsScatteredPagesAtOneIovaVmappedForTheCpu() {
        fragment();
        CoherentBuffer b = r.dma.allocCoherent(edu, SIZE, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals("ffff0000", Long.toHexString(b.dmaHandle()), "16 granules, 16-aligned, below 4 GiB first");
        assertTrue(b.remapped());
        assertTrue(r.vm.isVmalloc(b.cpuAddr()), "a vmalloc address (vmapPages)");
        long[] phys = cpuPages(b);
        assertEquals(16, phys.length);
        assertFalse(contiguous(phys), "scattered pages: " + java.util.Arrays.toString(phys));
        assertEquals(java.util.Arrays.stream(phys).boxed().toList(), leafPages(b),
            "IOVA page i and CPU page i are the same physical page");
        assertArrayEquals(new byte[SIZE], r.vm.cpuRead(b.cpuAddr(), SIZE), "zeroed");
        byte[] data = SmmuRig.pattern(SIZE, 7);
        r.deviceWrite(edu, b.dmaHandle(), data);
        assertArrayEquals(data, r.vm.cpuRead(b.cpuAddr(), SIZE), "the device's bytes, seen through the buffer");
        byte[] cpu = SmmuRig.pattern(SIZE, 8);
        r.vm.cpuWrite(b.cpuAddr(), cpu);
        assertArrayEquals(cpu, r.deviceRead(edu, b.dmaHandle(), SIZE), "and the CPU's, seen by the device");
    }

    @Test
    void anAtomicAllocationOnACoherentDeviceIsOneContiguousBlock() {
        fragment();
        CoherentBuffer b = r.dma.allocCoherent(edu, SIZE, Gfps.GFP_ATOMIC).orElseThrow();
        assertFalse(b.remapped());
        assertTrue(r.vm.isLinear(b.cpuAddr()), "the linear map");
        long[] phys = cpuPages(b);
        assertTrue(contiguous(phys));
        assertEquals(java.util.Arrays.stream(phys).boxed().toList(), leafPages(b));
        byte[] data = SmmuRig.pattern(SIZE, 9);
        r.deviceWrite(edu, b.dmaHandle(), data);
        assertArrayEquals(data, r.vm.cpuRead(b.cpuAddr(), SIZE));
    }

    @Test
    void freeingGivesBackEveryPageAndTheIova() {
        for (int gfp : new int[] {Gfp.GFP_KERNEL, Gfps.GFP_ATOMIC}) {
            long tablesBefore = tablePages();
            r.buddy.drainAllPages(); // pcp pages are not counted as free (as in the kernel)
            long freeBefore = r.buddy.freePages();
            CoherentBuffer b = r.dma.allocCoherent(edu, SIZE, gfp).orElseThrow();
            long cachedWhileAllocated = domain().iovaCached();
            long handle = b.dmaHandle();
            long newTables = tablePages() - tablesBefore;
            r.dma.freeCoherent(edu, SIZE, b.cpuAddr(), handle);
            r.buddy.drainAllPages();
            assertEquals(freeBefore, r.buddy.freePages() + newTables,
                "gfp " + gfp + ": every page back, except the " + newTables + " table pages the domain keeps");
            assertEquals(newTables, tablePages() - tablesBefore, "6.1 keeps empty tables");
            assertTrue(r.leaves(edu, handle, SIZE).isEmpty());
            assertEquals(cachedWhileAllocated + 1, domain().iovaCached(), "the IOVA range went to the rcache ...");
            CoherentBuffer again = r.dma.allocCoherent(edu, SIZE, gfp).orElseThrow();
            assertEquals(handle, again.dmaHandle(), "... and comes back for the next buffer");
            r.dma.freeCoherent(edu, SIZE, again.cpuAddr(), again.dmaHandle());
        }
        assertTrue(r.dma.allocations().isEmpty());
    }
}
