package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * DMA_ATTR_SKIP_CPU_SYNC on a bounced map of Linux 6.1. {@code swiotlb_tbl_map_single} copies the
 * original into the bounce buffer whatever the direction and whatever the attributes (the
 * unconditional copy Linus reinstated in 901c7280ca0d after reverting the 2022 rework; the earlier
 * DMA_ATTR_OVERWRITE form of ddbd89deb7d3 is gone), while {@code swiotlb_map} skips
 * {@code arch_sync_dma_for_device} for the attribute. On a non-coherent arm64 device the copy
 * therefore sits dirty in the CPU cache, the device reads the bounce buffer's old RAM, and only the
 * driver's own {@code dma_sync_single_for_device} (no copy for FROM_DEVICE, but the clean) hands the
 * device the bytes.
 */
class SwiotlbSkipCpuSyncTest {
    private final BootResult boot = Boots.bootDts("a64-2bank-testdevs.dts");
    private final DmaApi dma = Boots.dma(boot);
    private final CpuCache cache = boot.lookup(CpuCache.class).orElseThrow();
    private final SwiotlbPool pool = boot.lookup(SwiotlbPool.class).orElseThrow();
    private final KernelVm vm = dma.kernelVm();
    private final DmaDevice nc = dma.device("dma-test-nc").orElseThrow();

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    @Test
    void aSkipCpuSyncMapStillCopiesInButLeavesTheCopyInTheCacheUntilTheDriverSyncs() {
        long buf = Page.pfnPhys(boot.lookup(PageAllocator.class).orElseThrow().allocPages(Gfp.GFP_KERNEL, 0));
        assertTrue(buf > 0xffffffffL);
        byte[] original = pattern(1024, 1);
        vm.cpuWrite(vm.linearAddress(buf), original);
        DmaAddr a = dma.mapSingle(nc, new CpuAddr(vm.linearAddress(buf)), 1024, DmaDirection.FROM_DEVICE,
            DmaAttrs.SKIP_CPU_SYNC);
        assertTrue(pool.isSwiotlbBuffer(a.value()));
        assertEquals(1, pool.stats().devices().get(0).copiesToBounce(),
            "FROM_DEVICE with SKIP_CPU_SYNC: the map's copy in is unconditional");
        assertArrayEquals(original, cache.cpu().read(a.value(), 1024), "the CPU's view of the bounce buffer");
        assertTrue(cache.line(a.value()).dirty(), "no arch_sync_dma_for_device: the copy is dirty in the cache");
        long phys = dma.deviceAccess(nc, a, 1024).value();
        assertArrayEquals(new byte[1024], cache.device(false).read(phys, 1024), "the device reads old RAM");

        dma.syncSingleForDevice(nc, a, 1024, DmaDirection.FROM_DEVICE);
        assertEquals(1, pool.stats().devices().get(0).copiesToBounce(),
            "sync for the device copies nothing for FROM_DEVICE");
        assertArrayEquals(original, cache.device(false).read(phys, 1024), "but cleans: now the device sees the copy");
        dma.unmapSingle(nc, a, 1024, DmaDirection.FROM_DEVICE, 0);
        assertEquals(0, pool.stats().used());
    }
}
