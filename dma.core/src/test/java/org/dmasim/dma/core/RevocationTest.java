package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.backend.Revoker;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.LogLine;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.testing.Gfps;
import org.junit.jupiter.api.Test;

/**
 * Backends forced out with live holdings: what they held is revoked, each device is reported as
 * DMA-API debug reports a driver unbound with live DMA, later use is refused (and device access
 * faults), and new work finds the platform without that backend until a new instance starts.
 */
class RevocationTest {
    private final BootResult boot = Boots.boot("qemu-virt-arm64-testdevs");
    private final DmaApi dma = Boots.dma(boot);
    private final BackendInstances instances = boot.lookup(BackendInstances.class).orElseThrow();
    private final DmaDevice nc = dma.device("dma-test-nc").orElseThrow();

    @Test
    void aCmaInstanceForcedOutRevokesItsBuffersAndReportsTheLeak() {
        CoherentBuffer b = dma.allocCoherent(nc, 20 << 10, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(CoherentSource.DEFAULT_CMA, b.source());
        String cma = instances.active("cma").orElseThrow().id();
        assertEquals(1, instances.instance(cma).orElseThrow().held());

        List<String> report = instances.forceOut(cma);
        assertTrue(report.contains("DMA-API: platform dma-test-nc: device driver has pending DMA allocations while"
            + " released from device [count=1]"), report.toString());
        assertTrue(report.contains("One of leaked entries details: [device address=0x00000000fc180000]"
            + " [size=20480 bytes] [mapped with DMA_BIDIRECTIONAL] [mapped as coherent]"), report.toString());
        assertEquals(BackendState.RELEASED, instances.instance(cma).orElseThrow().state());
        assertTrue(instances.instance(cma).orElseThrow().forcedOut());
        assertTrue(boot.log().lines().stream().anyMatch(l -> l.level() == LogLine.Level.WARNING
            && l.text().startsWith("DMA-API: platform dma-test-nc: device driver has pending")));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dma.freeCoherent(nc, 20 << 10, b.cpuAddr(), b.dmaHandle()));
        assertTrue(e.getMessage().contains("revoked when " + cma + " was forced out"), e.getMessage());
        assertTrue(dma.allocations().isEmpty());
        assertTrue(boot.lookup(CmaAreas.class).isEmpty(), "no CMA instance serves now");
        CoherentBuffer after = dma.allocCoherent(nc, 20 << 10, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(CoherentSource.BUDDY, after.source(), "without CMA, dma_alloc_contiguous finds no area");
        assertThrows(IllegalArgumentException.class, () -> instances.forceOut(cma), "already released");
    }

    @Test
    void atomicPoolsForcedOutKeepTheChunksALiveBlockSitsIn() {
        PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
        CoherentBuffer b = dma.allocCoherent(nc, 4096, Gfps.GFP_ATOMIC).orElseThrow();
        assertEquals(CoherentSource.ATOMIC_POOL, b.source());
        String pools = instances.active("atomicpool").orElseThrow().id();
        long free = buddy.freePages();
        instances.forceOut(pools);
        assertTrue(boot.log().lines().stream().anyMatch(l -> l.text().contains("atomic_pool_dma: 4096 bytes still"
            + " allocated at release")), "the pool with the live block keeps its chunk");
        assertTrue(buddy.freePages() <= free, "the CMA-backed chunks stay with CMA; none of it went to the buddy");
        assertTrue(dma.allocCoherent(nc, 4096, Gfps.GFP_ATOMIC).isEmpty());
        assertTrue(boot.log().kernelText().contains("Failed to get suitable pool for dma-test-nc"));
    }

    @Test
    void aMappingWhoseOpsInstanceIsForcedOutIsRevokedAndFaults() {
        DmaDevice coh = dma.device("dma-test-coh").orElseThrow();
        DmaOpsDispatchTest.WindowOps iommu = new DmaOpsDispatchTest.WindowOps();
        dma.setDmaOps(coh, iommu);
        PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
        long phys = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, 0));
        DmaAddr a = dma.mapPage(coh, Page.pfnDown(phys), 0, 4096, DmaDirection.FROM_DEVICE, 0);
        List<String> report = new ArrayList<>();
        ((Revoker) dma).revoke(iommu.instance, report::add);
        iommu.instance.forceOut();
        assertTrue(report.contains("DMA-API: platform dma-test-coh: device driver has pending DMA allocations while"
            + " released from device [count=1]"), report.toString());
        assertTrue(report.contains("One of leaked entries details: [device address=0x00000000fff00000]"
            + " [size=4096 bytes] [mapped with DMA_FROM_DEVICE] [mapped as single]"), report.toString());

        BusFault f = assertThrows(BusFault.class, () -> dma.deviceAccess(coh, a.plus(100), 8));
        assertTrue(f.getMessage().contains("revoked mapping"), f.getMessage());
        assertThrows(IllegalArgumentException.class, () -> dma.syncSingleForCpu(coh, a, 4096, DmaDirection.FROM_DEVICE));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dma.unmapPage(coh, a, 4096, DmaDirection.FROM_DEVICE, 0));
        assertTrue(e.getMessage().contains("was revoked when iommu#1 was forced out"), e.getMessage());
        assertEquals(List.of("map_page 4096"), iommu.calls, "nothing reached the gone ops after the force-out");
        assertTrue(dma.mappings().isEmpty());
    }
}
