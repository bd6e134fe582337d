package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.api.swiotlb.SwiotlbStats;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.runtime.PlatformRuntime;
import org.dmasim.swiotlb.SwiotlbBoot;
import org.junit.jupiter.api.Test;

/**
 * dma-direct bouncing through swiotlb with real bytes, on the two-bank arm64 board where a 32-bit
 * device cannot reach the high bank: which mappings bounce, the order of bounce copies and cache
 * maintenance on a non-coherent device (each order 6.1 uses is the only one that delivers the
 * bytes), unmap and sync copy rules end to end, lists that bounce entry by entry, refusals, and the
 * pool's instance held by its mappings through a swap and a force-out.
 */
class StreamingSwiotlbTest {
    private final BootResult boot = Boots.bootDts("a64-2bank-testdevs.dts");
    private final DmaApi dma = Boots.dma(boot);
    private final PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
    private final CpuCache cache = boot.lookup(CpuCache.class).orElseThrow();
    private final KernelVm vm = dma.kernelVm();
    private final DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
    private final DmaDevice coh = dma.device("dma-test-coh").orElseThrow();

    private SwiotlbPool pool() {
        return boot.lookup(SwiotlbPool.class).orElseThrow();
    }

    private long high(int order) {
        long phys = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, order));
        assertTrue(phys > 0xffffffffL, "ZONE_NORMAL is the high bank");
        return phys;
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 13 + seed * 101 + (i >>> 9));
        }
        return b;
    }

    private byte[] deviceRead(DmaDevice dev, DmaAddr a, int n) {
        return cache.device(dev.coherent()).read(dma.deviceAccess(dev, a, n).value(), n);
    }

    private void deviceWrite(DmaDevice dev, DmaAddr a, byte[] b) {
        cache.device(dev.coherent()).write(dma.deviceAccess(dev, a, b.length).value(), b);
    }

    @Test
    void aNonCoherentDeviceReadsWhatTheCpuWroteThroughTheBounceBuffer() {
        long buf = high(1);
        byte[] data = pattern(6000, 1);
        vm.cpuWrite(vm.linearAddress(buf), data); // dirty in the CPU cache, RAM still zero
        long staleBefore = cache.stats().staleDeviceReads();
        DmaAddr a = dma.mapSingle(nc, new CpuAddr(vm.linearAddress(buf)), 6000, DmaDirection.TO_DEVICE, 0);
        assertTrue(pool().isSwiotlbBuffer(a.value()), "below 4 GiB: the bounce buffer");
        // swiotlb's copy is the CPU's (into the cache), then arch_sync_dma_for_device cleans the bounce buffer.
        assertArrayEquals(data, deviceRead(nc, a, 6000));
        assertEquals(staleBefore, cache.stats().staleDeviceReads());
        StreamingMapping m = dma.mappings().get(0);
        assertEquals("swiotlb", m.backend().orElseThrow().kind(), "the mapping holds the swiotlb instance");
        assertEquals(1, m.backend().orElseThrow().held());
        assertTrue(dma.needSync(nc, a));
        dma.unmapSingle(nc, a, 6000, DmaDirection.TO_DEVICE, 0);
        assertEquals(0, pool().stats().used());
        assertEquals(0, m.backend().orElseThrow().held());
    }

    @Test
    void whatTheDeviceWroteReachesTheCpuOnlyAfterTheSyncForCpuInvalidatesThenCopiesBack() {
        long buf = high(0);
        vm.cpuWrite(vm.linearAddress(buf), pattern(4096, 2));
        DmaAddr a = dma.mapSingle(nc, new CpuAddr(vm.linearAddress(buf)), 4096, DmaDirection.FROM_DEVICE, 0);
        byte[] written = pattern(4096, 3);
        deviceWrite(nc, a, written); // RAM of the bounce buffer; the map's copy left its lines cached
        assertArrayEquals(pattern(4096, 2), vm.cpuRead(vm.linearAddress(buf), 4096), "no sync: the original is old");
        dma.syncSingleForCpu(nc, a, 4096, DmaDirection.FROM_DEVICE);
        assertArrayEquals(written, vm.cpuRead(vm.linearAddress(buf), 4096),
            "invalidate the bounce lines first, so that the copy back reads what the device wrote");
        byte[] again = pattern(4096, 4);
        deviceWrite(nc, a, again);
        dma.unmapSingle(nc, a, 4096, DmaDirection.FROM_DEVICE, 0);
        assertArrayEquals(again, vm.cpuRead(vm.linearAddress(buf), 4096), "unmap syncs for the CPU, then frees");
        SwiotlbStats.DeviceBounces d = pool().stats().devices().get(0);
        assertEquals(new SwiotlbStats.DeviceBounces("dma-test-nc", 1, 0, 0, 1, 4096, 2, 8192), d);
    }

    @Test
    void syncForDeviceCopiesThenCleansAndASubRangeSyncsThoseBytes() {
        long buf = high(1);
        long kva = vm.linearAddress(buf);
        DmaAddr a = dma.mapSingle(nc, new CpuAddr(kva), 8000, DmaDirection.BIDIRECTIONAL, 0);
        vm.cpuWrite(kva + 100, pattern(200, 5));
        assertArrayEquals(new byte[200], deviceRead(nc, a.plus(100), 200), "before the sync the bounce buffer is old");
        dma.syncSingleRangeForDevice(nc, a, 100, 200, DmaDirection.BIDIRECTIONAL);
        assertArrayEquals(pattern(200, 5), deviceRead(nc, a.plus(100), 200));
        deviceWrite(nc, a.plus(5000), pattern(64, 6));
        dma.syncSingleRangeForCpu(nc, a, 5000, 64, DmaDirection.BIDIRECTIONAL);
        assertArrayEquals(pattern(64, 6), vm.cpuRead(kva + 5000, 64), "a partial sync in the third slot");
        assertArrayEquals(pattern(200, 5), vm.cpuRead(kva + 100, 200), "the rest of the original is untouched");
        dma.unmapSingle(nc, a, 8000, DmaDirection.BIDIRECTIONAL, DmaAttrs.SKIP_CPU_SYNC);
        assertEquals(0, pool().stats().used());
    }

    @Test
    void aBufferTheDeviceReachesIsNotBouncedAndNeedsNoSyncWhenCoherent() {
        long low = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0));
        DmaAddr a = dma.mapSingle(coh, new CpuAddr(vm.linearAddress(low)), 4096, DmaDirection.TO_DEVICE, 0);
        assertEquals(low, a.value());
        assertFalse(dma.needSync(coh, a));
        assertTrue(dma.mappings().get(0).backend().isEmpty());
        dma.unmapSingle(coh, a, 4096, DmaDirection.TO_DEVICE, 0);
        long buf = high(0);
        DmaAddr b = dma.mapSingle(coh, new CpuAddr(vm.linearAddress(buf)), 4096, DmaDirection.TO_DEVICE, 0);
        assertTrue(pool().isSwiotlbBuffer(b.value()));
        assertTrue(dma.needSync(coh, b), "a bounce buffer needs syncs even on a coherent device");
        dma.unmapSingle(coh, b, 4096, DmaDirection.TO_DEVICE, 0);
    }

    @Test
    void listEntriesBounceEachOnItsOwn() {
        long low = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0));
        long hi = high(0);
        vm.cpuWrite(vm.linearAddress(hi), pattern(4096, 7));
        SgTable sg = SgTable.of(new long[] {low, hi}, new long[] {4096, 4096});
        assertEquals(0, dma.mapSgtable(nc, sg, DmaDirection.TO_DEVICE, 0));
        assertEquals(2, sg.nents());
        assertEquals(low, sg.dmaAddress(0), "reachable: not bounced");
        assertTrue(pool().isSwiotlbBuffer(sg.dmaAddress(1)));
        assertArrayEquals(pattern(4096, 7), deviceRead(nc, new DmaAddr(sg.dmaAddress(1)), 4096));
        assertEquals(1, pool().stats().devices().get(0).live());
        dma.unmapSgtable(nc, sg, DmaDirection.TO_DEVICE, 0);
        assertEquals(0, pool().stats().used());
    }

    @Test
    void aListWhoseEntryFindsNoSlotsGivesBackTheOnesItBounced() {
        BootResult small = Boots.bootDts("a64-2bank-testdevs.dts", "cmdline", "swiotlb=128");
        DmaApi api = Boots.dma(small);
        DmaDevice dev = api.device("dma-test-nc").orElseThrow();
        PageAllocator pages = small.lookup(PageAllocator.class).orElseThrow();
        SwiotlbPool tlb = small.lookup(SwiotlbPool.class).orElseThrow();
        assertEquals(128, tlb.nslabs());
        long[] hi = new long[3];
        for (int i = 0; i < 3; i++) {
            hi[i] = Page.pfnPhys(pages.allocPages(Gfp.GFP_KERNEL, 6)); // 256 KiB each
        }
        SgTable sg = SgTable.of(new long[] {hi[0], hi[1]}, new long[] {200 << 10, 200 << 10});
        assertEquals(-Errno.EIO, api.mapSgtable(dev, sg, DmaDirection.TO_DEVICE, 0));
        assertEquals(0, tlb.stats().used(), "the first entry's 100 slots went back");
        assertTrue(api.mappings().isEmpty());
        assertEquals(0, api.mapSg(dev, sg, 2, DmaDirection.TO_DEVICE, 0), "dma_map_sg: 0");
        assertTrue(small.log().kernelText().contains("platform dma-test-nc: swiotlb buffer is full (sz: 204800 bytes),"
            + " total 128 (slots), used 100 (slots)"), small.log().kernelText().toString());
        assertEquals(0, small.lookup(BackendInstances.class).orElseThrow().active("swiotlb").orElseThrow().held());
    }

    @Test
    void badInputIsRefusedAndChangesNothing() {
        long buf = high(0);
        CpuAddr cpu = new CpuAddr(vm.linearAddress(buf));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
            () -> dma.mapSingle(nc, cpu, 0, DmaDirection.TO_DEVICE, 0));
        assertTrue(zero.getMessage().contains("BUG_ON(!nslots)"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> dma.mapSingle(nc, cpu, 64, DmaDirection.NONE, 0));
        assertTrue(dma.mappings().isEmpty());
        assertEquals(0, pool().stats().used());
        assertEquals(0, boot.lookup(BackendInstances.class).orElseThrow().active("swiotlb").orElseThrow().held(),
            "the refused map gave its holding back");
        DmaAddr a = dma.mapSingle(nc, cpu, 100, DmaDirection.FROM_DEVICE, 0);
        assertThrows(IllegalArgumentException.class, () -> dma.unmapSingle(nc, a.plus(2048), 100,
            DmaDirection.FROM_DEVICE, 0), "an unknown handle");
        assertThrows(IllegalArgumentException.class, () -> dma.unmapSingle(nc, a, 99, DmaDirection.FROM_DEVICE, 0));
        assertEquals(1, pool().stats().used());
        dma.unmapSingle(nc, a, 100, DmaDirection.FROM_DEVICE, 0);
        assertThrows(IllegalArgumentException.class, () -> dma.unmapSingle(nc, a, 100, DmaDirection.FROM_DEVICE, 0),
            "twice");
        assertEquals(0, pool().stats().used());
        assertEquals(List.of(), boot.log().kernelText().stream().filter(l -> l.contains("swiotlb_tbl")).toList());
    }

    /**
     * {@code swiotlb=noforce}: no pool, so a buffer above the 32-bit device's reach cannot be
     * mapped: {@code dma_direct_map_page}'s overflow warning (once), DMA_MAPPING_ERROR (which
     * {@code dma_mapping_error} reports as -ENOMEM), no mapping recorded; a reachable buffer maps.
     */
    @Test
    void withoutAPoolABufferOutOfReachIsRefusedWithTheKernelsWarningOnce() {
        BootResult none = Boots.bootDts("a64-2bank-testdevs.dts", "cmdline", "swiotlb=noforce");
        DmaApi api = Boots.dma(none);
        DmaDevice dev = api.device("dma-test-nc").orElseThrow();
        PageAllocator pages = none.lookup(PageAllocator.class).orElseThrow();
        assertEquals(0, none.lookup(SwiotlbPool.class).orElseThrow().nslabs());
        long hi = Page.pfnPhys(pages.allocPages(Gfp.GFP_KERNEL, 0));
        assertTrue(hi > 0xffffffffL);
        CpuAddr cpu = new CpuAddr(api.kernelVm().linearAddress(hi));
        int before = none.log().lines().size();
        DmaAddr a = api.mapSingle(dev, cpu, 1500, DmaDirection.TO_DEVICE, 0);
        assertTrue(a.isMappingError());
        assertEquals(-Errno.ENOMEM, api.mappingError(dev, a));
        assertTrue(api.mapSingle(dev, cpu, 1500, DmaDirection.FROM_DEVICE, 0).isMappingError());
        assertEquals(List.of(String.format("platform dma-test-nc: DMA addr 0x%016x+1500 overflow (mask ffffffff, bus"
            + " limit 0).", hi)), none.log().lines().subList(before, none.log().lines().size()).stream()
                .filter(org.dmasim.api.platform.LogLine::isKernel).map(org.dmasim.api.platform.LogLine::text).toList(),
            "dev_WARN_ONCE: once");
        assertTrue(api.mappings().isEmpty());
        long lo = Page.pfnPhys(pages.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0));
        DmaAddr direct = api.mapSingle(dev, new CpuAddr(api.kernelVm().linearAddress(lo)), 1500,
            DmaDirection.TO_DEVICE, 0);
        assertEquals(lo, direct.value());
        api.unmapSingle(dev, direct, 1500, DmaDirection.TO_DEVICE, 0);
    }

    @Test
    void swiotlbForceBouncesEvenA64BitDevice() {
        BootResult forced = Boots.bootDts("a64-2bank-testdevs.dts", "cmdline", "swiotlb=force");
        DmaApi api = Boots.dma(forced);
        DmaDevice dev = api.device("dma-test-coh").orElseThrow();
        assertEquals(0, api.setMaskAndCoherent(dev, -1L));
        assertEquals(262144, api.maxMappingSize(dev), "swiotlb_max_mapping_size: bouncing is forced");
        PageAllocator pages = forced.lookup(PageAllocator.class).orElseThrow();
        SwiotlbPool tlb = forced.lookup(SwiotlbPool.class).orElseThrow();
        long low = Page.pfnPhys(pages.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0));
        long hi = Page.pfnPhys(pages.allocPages(Gfp.GFP_KERNEL, 0));
        DmaAddr a = api.mapPage(dev, Page.pfnDown(low), 0, 4096, DmaDirection.BIDIRECTIONAL, 0);
        DmaAddr b = api.mapPage(dev, Page.pfnDown(hi), 0x10, 1500, DmaDirection.TO_DEVICE, 0);
        assertEquals(tlb.start(), a.value(), "even a reachable buffer bounces");
        assertEquals(tlb.start() + 2 * 2048, b.value());
        assertEquals(3, tlb.stats().used());
        api.unmapPage(dev, a, 4096, DmaDirection.BIDIRECTIONAL, 0);
        api.unmapPage(dev, b, 1500, DmaDirection.TO_DEVICE, 0);
        // dma_map_resource never bounces.
        DmaAddr r = api.mapResource(dev, new org.dmasim.api.addr.PhysAddr(0x9000000L), 4096, DmaDirection.TO_DEVICE, 0);
        assertEquals(0x9000000L, r.value());
    }

    @Test
    void aMappingKeepsItsPoolAfterANewInstanceTookOver() {
        long buf = high(0);
        vm.cpuWrite(vm.linearAddress(buf), pattern(3000, 8));
        DmaAddr old = dma.mapSingle(nc, new CpuAddr(vm.linearAddress(buf)), 3000, DmaDirection.BIDIRECTIONAL, 0);
        SwiotlbPool first = pool();
        BackendInstances instances = boot.lookup(BackendInstances.class).orElseThrow();
        boot.runtime().orElseThrow().startLate(new SwiotlbBoot());
        SwiotlbPool late = pool();
        assertTrue(late != first);
        assertEquals("DRAINING", instances.instance("swiotlb#1").orElseThrow().state().name());
        DmaAddr fresh = dma.mapSingle(nc, new CpuAddr(vm.linearAddress(buf)), 3000, DmaDirection.TO_DEVICE, 0);
        assertTrue(late.isSwiotlbBuffer(fresh.value()), "new work goes to the late pool");
        assertArrayEquals(pattern(3000, 8), deviceRead(nc, fresh, 3000));
        deviceWrite(nc, old, pattern(3000, 9));
        dma.unmapSingle(nc, old, 3000, DmaDirection.BIDIRECTIONAL, 0);
        assertArrayEquals(pattern(3000, 9), vm.cpuRead(vm.linearAddress(buf), 3000), "the old pool served its unmap");
        assertEquals("RELEASED", instances.instance("swiotlb#1").orElseThrow().state().name(), "drained, released");
        dma.unmapSingle(nc, fresh, 3000, DmaDirection.TO_DEVICE, 0);
        assertEquals(0, late.stats().used());
    }

    @Test
    void aMapThatRacesAReplacementGoesToTheInstanceServingNow() {
        // The pool a map looked up is replaced before the map takes its holding: here the swap
        // happens inside the look-up's first question to the pool (forceBounce), which is as late
        // as a concurrent swap can come.
        PlatformRuntime runtime = boot.runtime().orElseThrow();
        SwiotlbPool real = pool();
        boolean[] swapped = {false};
        SwiotlbPool racing = (SwiotlbPool) Proxy.newProxyInstance(SwiotlbPool.class.getClassLoader(),
            new Class<?>[] {SwiotlbPool.class}, (proxy, method, args) -> {
                if (method.getName().equals("forceBounce") && !swapped[0]) {
                    swapped[0] = true;
                    runtime.startLate(new SwiotlbBoot());
                }
                try {
                    return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
        runtime.startLate(new BootParticipant() {
            @Override
            public String name() {
                return "swiotlb";
            }

            @Override
            public Set<BootPhase> phases(Arch arch) {
                return Set.of();
            }

            @Override
            public void run(BootPhase phase, BootContext context) {
            }

            @Override
            public void start(RuntimeContext rt) {
                rt.offer(SwiotlbPool.class, racing, rt.newInstance("the boot pool, looked up by a racing map", () -> { }));
            }
        });

        long buf = high(0);
        vm.cpuWrite(vm.linearAddress(buf), pattern(1000, 11));
        DmaAddr a = dma.mapSingle(nc, new CpuAddr(vm.linearAddress(buf)), 1000, DmaDirection.TO_DEVICE, 0);
        assertTrue(swapped[0]);
        assertFalse(a.isMappingError(), "the map was not lost to the swap");
        SwiotlbPool late = pool();
        assertTrue(late != real && late.isSwiotlbBuffer(a.value()), "it bounced through the pool serving now");
        assertArrayEquals(pattern(1000, 11), deviceRead(nc, a, 1000));
        assertFalse(boot.log().lines().stream().anyMatch(l -> l.text().contains("takes no new work")));
        dma.unmapSingle(nc, a, 1000, DmaDirection.TO_DEVICE, 0);
        assertEquals(0, late.stats().used());
    }

    @Test
    void aForcedOutPoolCopiesBackWhatTheDeviceWroteAndItsMappingsFault() {
        long buf = high(0);
        DmaAddr a = dma.mapSingle(nc, new CpuAddr(vm.linearAddress(buf)), 2000, DmaDirection.FROM_DEVICE, 0);
        deviceWrite(nc, a, pattern(2000, 10));
        BackendInstances instances = boot.lookup(BackendInstances.class).orElseThrow();
        List<String> report = instances.forceOut(instances.active("swiotlb").orElseThrow().id());
        assertTrue(report.contains("DMA-API: platform dma-test-nc: device driver has pending DMA allocations while"
            + " released from device [count=1]"), report.toString());
        assertArrayEquals(pattern(2000, 10), vm.cpuRead(vm.linearAddress(buf), 2000), "nothing lost");
        assertThrows(BusFault.class, () -> deviceRead(nc, a, 16));
        assertThrows(IllegalArgumentException.class, () -> dma.unmapSingle(nc, a, 2000, DmaDirection.FROM_DEVICE, 0));
        assertTrue(boot.lookup(SwiotlbPool.class).isEmpty(), "no swiotlb instance serves now");
        DmaAddr none = dma.mapSingle(nc, new CpuAddr(vm.linearAddress(buf)), 2000, DmaDirection.FROM_DEVICE, 0);
        assertTrue(none.isMappingError(), "without swiotlb the high buffer is out of reach");
        assertTrue(boot.log().kernelText().stream().anyMatch(l -> l.contains("DMA addr 0x0000000" + Long.toHexString(buf)
            + "+2000 overflow (mask ffffffff, bus limit 0).")), boot.log().kernelText().toString());
    }
}
