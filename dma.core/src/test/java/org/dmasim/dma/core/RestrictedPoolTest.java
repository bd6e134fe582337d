package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * A {@code restricted-dma-pool} from the device tree (CONFIG_DMA_RESTRICTED_POOL): claimed by
 * swiotlb's reserved-memory handler with its boot line, given to the device that names it as its
 * {@code dma_io_tlb_mem}, which then bounces every mapping through it whatever its mask, while other
 * devices keep the default pool.
 */
class RestrictedPoolTest {
    private static final String RP = "restricted-dma@60000000";

    @Test
    void theDeviceBouncesEverythingThroughItsOwnPool() {
        BootResult boot = Boots.bootDts("restricted-pool.dts", "kconfig", "DMA_RESTRICTED_POOL=y");
        List<String> log = boot.log().kernelText();
        assertTrue(log.contains("software IO TLB: Reserved memory: created restricted DMA pool at 0x0000000060000000,"
            + " size 4 MiB"), log.toString());
        assertTrue(log.contains("platform dma-test-rp: assigned reserved memory node " + RP), log.toString());
        DmaApi dma = Boots.dma(boot);
        DmaDevice rp = dma.device("dma-test-rp").orElseThrow();
        DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
        assertEquals(0, dma.setMaskAndCoherent(rp, -1L));
        DeviceInfoDTO info = dma.deviceInfo(rp);
        assertTrue(info.swiotlbForceBounce, "a restricted pool forces bouncing");
        assertEquals(262144, info.maxMappingSize);
        assertEquals(0, dma.setMaskAndCoherent(nc, -1L));
        assertEquals(-1L, dma.maxMappingSize(nc), "the default pool does not force: SIZE_MAX for the other device");

        PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
        long low = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0));
        long kva = dma.kernelVm().linearAddress(low);
        dma.kernelVm().cpuWrite(kva, new byte[] {1, 2, 3, 4});
        DmaAddr a = dma.mapSingle(rp, new CpuAddr(kva), 4096, DmaDirection.TO_DEVICE, 0);
        assertEquals(0x60000000L, a.value(), "the first slot of the restricted pool");
        CpuCache cache = boot.lookup(CpuCache.class).orElseThrow();
        assertArrayEquals(new byte[] {1, 2, 3, 4}, cache.device(false).read(dma.deviceAccess(rp, a, 4).value(), 4));
        DmaAddr b = dma.mapSingle(nc, new CpuAddr(kva), 4096, DmaDirection.TO_DEVICE, 0);
        assertEquals(low, b.value(), "the other device reaches the buffer: no bounce");

        SwiotlbPool tlb = boot.lookup(SwiotlbPool.class).orElseThrow();
        SwiotlbPool restricted = tlb.restricted(RP).orElseThrow();
        assertEquals(2, restricted.stats().used());
        assertEquals(0, tlb.stats().used());
        assertEquals("2048", tlb.debugfs().get(RP + "/io_tlb_nslabs"));
        dma.unmapSingle(rp, a, 4096, DmaDirection.TO_DEVICE, 0);
        dma.unmapSingle(nc, b, 4096, DmaDirection.TO_DEVICE, 0);
        assertEquals(0, restricted.stats().used());
    }

    @Test
    void withoutTheKernelOptionTheRegionIsNoPoolAndTheDeviceMapsDirectly() {
        BootResult boot = Boots.bootDts("restricted-pool.dts");
        assertTrue(boot.log().kernelText().stream().noneMatch(l -> l.contains("restricted DMA pool")));
        DmaApi dma = Boots.dma(boot);
        DmaDevice rp = dma.device("dma-test-rp").orElseThrow();
        long low = Page.pfnPhys(boot.lookup(PageAllocator.class).orElseThrow().allocPages(Gfp.GFP_DMA, 0));
        assertEquals(low, dma.mapPage(rp, Page.pfnDown(low), 0, 64, DmaDirection.FROM_DEVICE, 0).value());
        assertTrue(!dma.deviceInfo(rp).swiotlbForceBounce);
    }
}
