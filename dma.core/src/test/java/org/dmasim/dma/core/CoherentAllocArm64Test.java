package org.dmasim.dma.core;

import org.dmasim.testing.Gfps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * The runtime oracle's coherent allocations on the arm64 QEMU board (default CMA of 64 MiB at
 * 0xfc000000, three 512 KiB atomic pools carved from its start) and reference §13 flow 2.
 */
class CoherentAllocArm64Test {
    static final long CMA_BASE = 0xfc000000L;

    private final BootResult boot = Boots.boot("qemu-virt-arm64-testdevs");
    private final DmaApi dma = Boots.dma(boot);
    private final PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
    private final KernelVm vm = dma.kernelVm();
    private final DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
    private final DmaDevice coh = dma.device("dma-test-coh").orElseThrow();

    private CoherentBuffer alloc(DmaDevice dev, long size, int gfp) {
        return dma.allocCoherent(dev, size, gfp).orElseThrow(() -> new AssertionError("NULL for " + size));
    }

    @Test
    void nonCoherentBlockingRequestsFollowTheOracle() {
        CoherentBuffer page = alloc(nc, 4096, Gfp.GFP_KERNEL);
        assertEquals(CoherentSource.BUDDY, page.source(), "single pages skip the default CMA area");
        assertEquals(ZoneType.DMA, buddy.zoneOf(page.phys() >>> 12).orElseThrow());

        CoherentBuffer k20 = alloc(nc, 20 << 10, Gfp.GFP_KERNEL);
        CoherentBuffer k64 = alloc(nc, 64 << 10, Gfp.GFP_KERNEL);
        CoherentBuffer m1 = alloc(nc, 1 << 20, Gfp.GFP_KERNEL);
        assertEquals(CoherentSource.DEFAULT_CMA, k20.source());
        assertEquals(CMA_BASE + 0x180000, k20.phys(), "after the three atomic pools");
        assertEquals(CMA_BASE + 0x190000, k64.phys(), "aligned to its order (16 pages)");
        assertEquals(CMA_BASE + 0x200000, m1.phys(), "the 1 MiB block at +0x200000");
        assertEquals(20 << 10, k20.reserved(), "CMA takes exactly size/PAGE_SIZE pages");
        for (CoherentBuffer b : new CoherentBuffer[] {page, k20, k64, m1}) {
            assertTrue(vm.isVmalloc(b.cpuAddr()), "Normal-NC alias in vmalloc space");
            assertTrue(b.remapped());
            assertEquals(MemAttr.NORMAL_NC, vm.attr(b.cpuAddr()));
            assertEquals(b.phys(), vm.toPhys(b.cpuAddr()));
            assertEquals(b.phys(), b.dmaHandle(), "no dma-ranges: handle = phys");
        }
    }

    @Test
    void coherentDeviceGetsLinearAddressesAndNeverTheAtomicPool() {
        CoherentBuffer k20 = alloc(coh, 20 << 10, Gfp.GFP_KERNEL);
        assertEquals(CoherentSource.DEFAULT_CMA, k20.source());
        assertEquals(vm.linearAddress(k20.phys()), k20.cpuAddr());
        assertEquals(MemAttr.NORMAL, vm.attr(k20.cpuAddr()));
        CoherentBuffer atomic = alloc(coh, 20 << 10, Gfps.GFP_ATOMIC);
        assertEquals(CoherentSource.BUDDY, atomic.source(), "GFP_ATOMIC cannot use CMA; coherent devices need no pool");
        assertEquals(32 << 10, atomic.reserved(), "buddy rounds 5 pages up to order 3");
    }

    @Test
    void bufferIsZeroedThroughItsCpuAlias() {
        CoherentBuffer b = alloc(nc, 8192, Gfp.GFP_KERNEL);
        vm.cpuWrite(b.cpuAddr(), new byte[] {1, 2, 3});
        dma.freeCoherent(nc, 8192, b.cpuAddr(), b.dmaHandle());
        CoherentBuffer again = alloc(nc, 8192, Gfp.GFP_KERNEL);
        assertEquals(b.phys(), again.phys(), "first fit hands the same CMA pages back");
        assertArrayEquals(new byte[3], vm.cpuRead(again.cpuAddr(), 3));
    }

    @Test
    void freeReturnsPagesToTheirSourceAndUnmapsTheAlias() {
        long free = freeNow(buddy);
        CoherentBuffer b = alloc(nc, 4096, Gfp.GFP_KERNEL);
        assertEquals(free - 1, freeNow(buddy));
        int areas = vm.vmAreas().size();
        dma.freeCoherent(nc, 4096, b.cpuAddr(), b.dmaHandle());
        assertEquals(free, freeNow(buddy));
        assertEquals(areas - 1, vm.vmAreas().size());
        assertTrue(dma.allocations().isEmpty());
    }

    @Test
    void dmaRangesShiftTheHandleAndLimitTheZone() {
        DmaDevice dr = dma.device("dma-test-bus:dma-test-dr").orElseThrow();
        CoherentBuffer b = alloc(dr, 4096, Gfp.GFP_KERNEL);
        assertEquals(b.phys() - 0x40000000L, b.dmaHandle());
        assertTrue(b.phys() + 4096 <= 0xc0000000L, "below the bus window's CPU end");
    }

    @Test
    void perDeviceCmaAreaServesEvenSinglePagesAndDoesNotFallBackToTheDefaultArea() {
        DmaDevice cmaDev = dma.device("dma-test-cma").orElseThrow();
        CoherentBuffer b = alloc(cmaDev, 4096, Gfp.GFP_KERNEL);
        assertEquals(CoherentSource.DEVICE_CMA, b.source());
        assertEquals(0x58000000L, b.phys());
        CoherentBuffer big = alloc(cmaDev, 4 << 20, Gfp.GFP_KERNEL);
        assertEquals(0x58100000L, big.phys(), "aligned to min(order 10, CONFIG_CMA_ALIGNMENT=8): the next 1 MiB boundary");
    }

    @Test
    void perDeviceCoherentPoolHasNoFallback() {
        DmaDevice poolDev = dma.device("dma-test-pool").orElseThrow();
        CoherentBuffer all = alloc(poolDev, 4 << 20, Gfp.GFP_KERNEL);
        assertEquals(CoherentSource.DEVICE_COHERENT_POOL, all.source());
        assertEquals(0x50000000L, all.phys());
        assertEquals(0x50000000L, all.dmaHandle());
        assertEquals(MemAttr.NORMAL_NC, vm.attr(all.cpuAddr()), "memremap write-combine");
        assertTrue(dma.allocCoherent(poolDev, 4096, Gfp.GFP_KERNEL).isEmpty(), "pool full: NULL, no buddy fallback");
        dma.freeCoherent(poolDev, 4 << 20, all.cpuAddr(), all.dmaHandle());
        CoherentBuffer a = alloc(poolDev, 4096, Gfp.GFP_KERNEL);
        CoherentBuffer b = alloc(poolDev, 8192, Gfp.GFP_KERNEL);
        assertEquals(0x50000000L, a.phys());
        assertEquals(0x50002000L, b.phys(), "bitmap_find_free_region: naturally aligned order-1 run");
    }

    @Test
    void noKernelMappingReturnsTheStructPageCookie() {
        CoherentBuffer b = dma.alloc(nc, 64 << 10, Gfp.GFP_KERNEL, DmaAttrs.NO_KERNEL_MAPPING).orElseThrow();
        assertEquals(vm.pageStruct(b.phys() >>> 12), b.cpuAddr());
        assertFalse(vm.isVmalloc(b.cpuAddr()));
        dma.free(nc, 64 << 10, b.cpuAddr(), b.dmaHandle(), DmaAttrs.NO_KERNEL_MAPPING);
        assertTrue(dma.allocations().isEmpty());
    }

    @Test
    void dmaAllocPagesIsLinearAndRefusesZoneModifiers() {
        CoherentBuffer b = dma.allocPages(nc, 12 << 10, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(vm.linearAddress(b.phys()), b.cpuAddr());
        assertTrue(dma.allocPages(nc, 4096, Gfp.GFP_KERNEL | Gfp.GFP_DMA).isEmpty());
        dma.freePages(nc, 12 << 10, b.cpuAddr(), b.dmaHandle());
        assertNotEquals(0, b.phys());
    }

    /** NR_FREE_PAGES once the per-CPU lists are drained back into the free areas. */
    private static long freeNow(PageAllocator buddy) {
        buddy.drainAllPages();
        return buddy.freePages();
    }
}
