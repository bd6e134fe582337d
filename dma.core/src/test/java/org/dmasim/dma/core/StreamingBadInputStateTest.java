package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.PhysAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.api.swiotlb.SwiotlbStats;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The bad-input classes (size 0, DMA_NONE, an unknown handle, unmapping twice, a buffer
 * the device cannot reach without swiotlb), each refused the way the kernel reacts, and each
 * leaving every piece of state as it was: the mappings, the pool's slots (used counts, each
 * area's cursor, every free-run counter), the per-device bounce counters, the CPU cache's
 * counters and lines, and the bytes of the original and of the live bounce buffer. A live
 * FROM_DEVICE mapping whose bounce buffer the device has written is kept through all of it, so a
 * refusal that copied back, freed a slot or moved the cursor would show.
 */
class StreamingBadInputStateTest {
    private final BootResult boot = Boots.bootDts("a64-2bank-testdevs.dts");
    private final DmaApi dma = Boots.dma(boot);
    private final PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
    private final CpuCache cache = boot.lookup(CpuCache.class).orElseThrow();
    private final SwiotlbPool pool = boot.lookup(SwiotlbPool.class).orElseThrow();
    private final KernelVm vm = dma.kernelVm();
    private final DmaDevice nc = dma.device("dma-test-nc").orElseThrow();

    /** Everything a refused call must leave alone. */
    private record State(List<String> mappings, SwiotlbStats pool, List<Integer> freeRuns, CacheStats cache,
        byte[] original, byte[] bounce, int kernelLines) {
    }

    private long high(int order) {
        long phys = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, order));
        assertTrue(phys > 0xffffffffL, "ZONE_NORMAL is the high bank");
        return phys;
    }

    private static byte[] fill(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    private State state(long original, DmaAddr bounce, int n) {
        List<Integer> runs = new java.util.ArrayList<>();
        for (int r : pool.freeRuns()) {
            runs.add(r);
        }
        return new State(dma.mappings().stream().map(Object::toString).toList(), pool.stats(), runs, cache.stats(),
            cache.ram().read(original, n), cache.ram().read(bounce.value(), n),
            (int) boot.log().lines().stream().filter(LogLine::isKernel).count());
    }

    private static void assertSame(State before, State after, String what) {
        assertEquals(before.mappings(), after.mappings(), what + ": mappings");
        assertEquals(before.pool(), after.pool(), what + ": slots, cursors and bounce counters");
        assertEquals(before.freeRuns(), after.freeRuns(), what + ": free-run counters");
        assertEquals(before.cache(), after.cache(), what + ": CPU cache");
        assertArrayEquals(before.original(), after.original(), what + ": the original buffer");
        assertArrayEquals(before.bounce(), after.bounce(), what + ": the bounce buffer");
        assertEquals(before.kernelLines(), after.kernelLines(), what + ": kernel lines");
    }

    private void refused(long original, DmaAddr bounce, String what, String expected, Executable call) {
        State before = state(original, bounce, 3000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, what);
        assertTrue(e.getMessage().contains(expected), what + ": " + e.getMessage());
        assertSame(before, state(original, bounce, 3000), what);
    }

    @Test
    void eachBadInputIsRefusedAndEveryCounterSlotCursorAndByteStaysAsItWas() {
        long buf = high(1);
        CpuAddr cpu = new CpuAddr(vm.linearAddress(buf));
        vm.cpuWrite(cpu.value(), fill(3000, 1));
        DmaAddr live = dma.mapSingle(nc, cpu, 3000, DmaDirection.FROM_DEVICE, 0);
        assertTrue(pool.isSwiotlbBuffer(live.value()));
        cache.device(false).write(dma.deviceAccess(nc, live, 3000).value(), fill(3000, 2));

        refused(buf, live, "size 0 through swiotlb", "BUG_ON(!nslots)",
            () -> dma.mapSingle(nc, new CpuAddr(vm.linearAddress(high(0))), 0, DmaDirection.TO_DEVICE, 0));
        for (DmaDirection good : List.of(DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE)) {
            refused(buf, live, "DMA_NONE map_single", "valid_dma_direction",
                () -> dma.mapSingle(nc, cpu, 100, DmaDirection.NONE, 0));
            refused(buf, live, "DMA_NONE map_page", "valid_dma_direction",
                () -> dma.mapPage(nc, Page.pfnDown(buf), 0, 100, DmaDirection.NONE, 0));
            refused(buf, live, "DMA_NONE map_resource", "valid_dma_direction",
                () -> dma.mapResource(nc, new PhysAddr(0x9000000L), 64, DmaDirection.NONE, 0));
            refused(buf, live, "DMA_NONE map_sg", "valid_dma_direction",
                () -> dma.mapSg(nc, SgTable.one(buf, 100), 1, DmaDirection.NONE, 0));
            refused(buf, live, "DMA_NONE unmap of the live mapping", "valid_dma_direction",
                () -> dma.unmapSingle(nc, live, 3000, DmaDirection.NONE, 0));
            refused(buf, live, "DMA_NONE sync for the CPU", "valid_dma_direction",
                () -> dma.syncSingleForCpu(nc, live, 3000, DmaDirection.NONE));
            refused(buf, live, "DMA_NONE sync for the device", "valid_dma_direction",
                () -> dma.syncSingleForDevice(nc, live, 3000, DmaDirection.NONE));
            refused(buf, live, "an unknown handle", "",
                () -> dma.unmapSingle(nc, live.plus(8 * 2048), 3000, good, 0));
            refused(buf, live, "DMA_MAPPING_ERROR as a handle", "",
                () -> dma.unmapSingle(nc, DmaAddr.MAPPING_ERROR, 3000, good, 0));
        }

        DmaAddr once = dma.mapSingle(nc, new CpuAddr(vm.linearAddress(high(0))), 1500, DmaDirection.BIDIRECTIONAL, 0);
        dma.unmapSingle(nc, once, 1500, DmaDirection.BIDIRECTIONAL, 0);
        refused(buf, live, "unmap_single twice", "",
            () -> dma.unmapSingle(nc, once, 1500, DmaDirection.BIDIRECTIONAL, 0));
        SgTable sg = SgTable.of(new long[] {high(0), high(0)}, new long[] {4096, 1000});
        assertEquals(2, dma.mapSg(nc, sg, 2, DmaDirection.FROM_DEVICE, 0));
        dma.unmapSg(nc, sg, 2, DmaDirection.FROM_DEVICE, 0);
        refused(buf, live, "unmap_sg twice", "", () -> dma.unmapSg(nc, sg, 2, DmaDirection.FROM_DEVICE, 0));

        dma.unmapSingle(nc, live, 3000, DmaDirection.FROM_DEVICE, 0);
        assertArrayEquals(fill(3000, 2), vm.cpuRead(cpu.value(), 3000), "the live mapping still delivered its bytes");
        assertEquals(0, pool.stats().used());
    }

    /**
     * Size 0 is only a kernel bug where it reaches swiotlb ({@code BUG_ON(!nslots)}): a buffer the
     * device reaches maps in 6.1 ({@code dma_capable} of an empty range holds) and unmaps, with no
     * slot taken.
     */
    @Test
    void aSizeOfZeroTheDeviceReachesMapsDirectly() {
        long low = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0));
        DmaAddr a = dma.mapSingle(nc, new CpuAddr(vm.linearAddress(low)), 0, DmaDirection.TO_DEVICE, 0);
        assertEquals(low, a.value());
        assertEquals(1, dma.mappings().size());
        dma.unmapSingle(nc, a, 0, DmaDirection.TO_DEVICE, 0);
        assertTrue(dma.mappings().isEmpty());
        assertEquals(0, pool.stats().used());
    }

    /**
     * {@code swiotlb=noforce}: a buffer above the 32-bit device's reach is DMA_MAPPING_ERROR after
     * the overflow warning, and nothing else changes: no mapping, no cache maintenance (the
     * kernel returns before {@code arch_sync_dma_for_device}), no bytes moved.
     */
    @Test
    void aBufferTheDeviceCannotReachWithoutSwiotlbChangesNothing() {
        BootResult none = Boots.bootDts("a64-2bank-testdevs.dts", "cmdline", "swiotlb=noforce");
        DmaApi api = Boots.dma(none);
        DmaDevice dev = api.device("dma-test-nc").orElseThrow();
        CpuCache c = none.lookup(CpuCache.class).orElseThrow();
        long hi = Page.pfnPhys(none.lookup(PageAllocator.class).orElseThrow().allocPages(Gfp.GFP_KERNEL, 0));
        assertTrue(hi > 0xffffffffL);
        CpuAddr cpu = new CpuAddr(api.kernelVm().linearAddress(hi));
        api.kernelVm().cpuWrite(cpu.value(), fill(1500, 3));
        CacheStats cacheBefore = c.stats();
        byte[] ramBefore = c.ram().read(hi, 1500);
        for (DmaDirection dir : List.of(DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL)) {
            assertTrue(api.mapSingle(dev, cpu, 1500, dir, 0).isMappingError(), dir.kernelName());
        }
        assertTrue(api.mappings().isEmpty());
        assertEquals(cacheBefore, c.stats(), "no cache maintenance on a refused map: the line stays dirty");
        assertTrue(c.line(hi).dirty());
        assertArrayEquals(ramBefore, c.ram().read(hi, 1500));
    }
}
