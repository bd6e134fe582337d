package org.dmasim.platform.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.boot.KernelVirtualLayout;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mem.CacheEviction;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Page;
import org.junit.jupiter.api.Test;

/** The linear map, vmalloc placement and vmemmap on a layout given by the architecture. */
class KernelAddressSpaceTest {
    /** arm64 6.1, 48-bit VA, DRAM 1 GiB at 1 GiB. */
    static final KernelVirtualLayout ARM64 = new KernelVirtualLayout(0xffff000000000000L, 0x40000000L,
        0xffff800008000000L, 0xfffffbfff0000000L, 0xfffffc0000000000L - 0x40000L * 64);

    private final DataCache cache = new DataCache(new SparseRam(List.of(new Memblock.Region(0x40000000L, 1L << 30,
        0))), CacheEviction.NONE);
    private final KernelVm vm = new KernelAddressSpace(ARM64, cache, 0x80000000L);

    @Test
    void linearMapStartsAtPhysOffset() {
        assertEquals(0xffff000000000000L, vm.linearAddress(0x40000000L));
        assertEquals(0xffff000000123000L, vm.linearAddress(0x40123000L));
        assertEquals(0x40123000L, vm.toPhys(0xffff000000123000L));
        assertTrue(vm.isLinear(0xffff00003fffffffL));
        assertFalse(vm.isLinear(0xffff000040000000L), "past the end of DRAM");
        assertThrows(IllegalArgumentException.class, () -> vm.linearAddress(0x3ffff000L));
    }

    @Test
    void vmapTakesTheLowestGapAboveVmallocStartWithAGuardPage() {
        long a = vm.vmap(0x40000000L, 2 * Page.PAGE_SIZE, MemAttr.NORMAL_NC, "test");
        long b = vm.vmap(0x40100000L, Page.PAGE_SIZE, MemAttr.NORMAL_NC, "test");
        assertEquals(0xffff800008000000L, a);
        assertEquals(a + 3 * Page.PAGE_SIZE, b, "two pages, then the guard page");
        assertTrue(vm.isVmalloc(b));
        assertEquals(0x40100000L, vm.toPhys(b));
        vm.vunmap(a);
        assertEquals(a, vm.vmap(0x40200000L, Page.PAGE_SIZE, MemAttr.NORMAL_NC, "test"), "the gap is reused");
    }

    @Test
    void vmapOfAPageArrayJoinsScatteredPagesAndAccessesCrossThem() {
        long[] pfns = {0x40300L, 0x40100L, 0x40500L};
        long kva = vm.vmapPages(pfns, MemAttr.NORMAL_NC, "iommu_dma_alloc_remap");
        assertEquals(0x40100008L, vm.toPhys(kva + Page.PAGE_SIZE + 8), "the second page is pfn 0x40100");
        byte[] across = new byte[(int) Page.PAGE_SIZE + 16];
        java.util.Arrays.fill(across, (byte) 7);
        vm.cpuWrite(kva + Page.PAGE_SIZE - 8, across);
        assertEquals(7, cache.ram().read(0x40300ff8L, 1)[0], "the write starts at the end of page 0x40300");
        assertEquals(7, cache.ram().read(0x40100fffL, 1)[0], "fills page 0x40100");
        assertEquals(7, cache.ram().read(0x40500007L, 1)[0], "and ends in page 0x40500");
        assertEquals(0, cache.ram().read(0x40500008L, 1)[0]);
        assertEquals(0, cache.ram().read(0x40101000L, 1)[0], "nothing lands behind page 0x40100");
        assertArrayEquals(across, vm.cpuRead(kva + Page.PAGE_SIZE - 8, across.length));
        assertThrows(IllegalArgumentException.class, () -> vm.cpuRead(kva + 3 * Page.PAGE_SIZE - 4, 8),
            "past the end of the area");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> vm.vmapPages(new long[] {0x40100L, 0x1L}, MemAttr.NORMAL, "test"));
        assertEquals("vmap: page 0x1 (pfn) is not RAM of this platform", e.getMessage());
        vm.vunmap(kva);
        assertTrue(vm.findVmArea(kva).isEmpty());
    }

    @Test
    void vmemmapPutsDramsFirstPfnAtVmemmapStart() {
        assertEquals(0xfffffc0000000000L, vm.pageStruct(0x40000L));
        assertEquals(0x40001L, vm.pageStructToPfn(0xfffffc0000000040L));
        assertEquals(-1L, vm.pageStructToPfn(0xfffffc0000000041L), "not the start of a struct page");
    }

    @Test
    void theLinearMapIsCachedAndANonCacheableAliasGoesToRam() {
        long phys = 0x40200000L;
        vm.cpuWrite(vm.linearAddress(phys), new byte[] {1, 2, 3});
        assertEquals(0, cache.ram().read(phys, 1)[0], "a store through the linear map stays in the cache");
        assertTrue(cache.line(phys).dirty());
        long nc = vm.vmap(phys, Page.PAGE_SIZE, MemAttr.NORMAL_NC, "test");
        assertEquals(0, vm.cpuRead(nc, 1)[0], "the Normal-NC alias reads RAM around the dirty line");
        vm.cpuWrite(nc + 64, new byte[] {9});
        assertEquals(9, cache.ram().read(phys + 64, 1)[0], "and stores to RAM directly");
        long wb = vm.vmap(phys, Page.PAGE_SIZE, MemAttr.NORMAL, "test");
        assertEquals(2, vm.cpuRead(wb + 1, 1)[0], "a cacheable alias hits the same cached line");
    }

    @Test
    void aLayoutWhoseVmallocRangeIsEmptyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new KernelVirtualLayout(0, 0, 0x2000, 0x1000, 0));
    }
}
