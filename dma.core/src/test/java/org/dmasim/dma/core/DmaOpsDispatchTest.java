package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.BackendLifecycle;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * mapping.c's dispatch on {@code dev->dma_ops}: calls go to the device's current ops (dma-direct
 * without ops, or when bypassed with a mask that covers all RAM), and every buffer and mapping
 * goes back to the ops that made it, also after the device's ops changed.
 */
class DmaOpsDispatchTest {
    private final BootResult boot = Boots.boot("qemu-virt-arm64-testdevs");
    private final DmaApi dma = Boots.dma(boot);
    private final PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
    private final DmaDevice coh = dma.device("dma-test-coh").orElseThrow();

    /** An ops table that maps everything at a fixed window, as an IOMMU hands out IOVAs, and says what it was asked. */
    static class WindowOps implements DmaOps {
        final List<String> calls = new ArrayList<>();
        final BackendLifecycle instance = new BackendLifecycle("iommu", "iommu#1", "test window", () -> { });
        long next = 0xfff00000L;

        @Override
        public String name() {
            return "iommu";
        }

        @Override
        public Optional<BackendInstance> instance() {
            return Optional.of(instance);
        }

        @Override
        public long mapPage(StreamingMapping m) {
            calls.add("map_page " + m.size());
            long iova = next;
            next += Page.pageAlign(m.size());
            return iova + (m.phys() & (Page.PAGE_SIZE - 1));
        }

        @Override
        public void unmapPage(StreamingMapping m, long size, DmaDirection dir, long attrs) {
            calls.add("unmap_page " + size);
        }

        @Override
        public int mapSg(StreamingMapping m) {
            calls.add("map_sg " + m.sgCallEnts());
            m.sg().setDma(0, next, m.size());
            next += Page.pageAlign(m.size());
            return 1;
        }

        @Override
        public void unmapSg(StreamingMapping m, int nents, DmaDirection dir, long attrs) {
            calls.add("unmap_sg " + nents);
        }

        @Override
        public void syncSingleForCpu(StreamingMapping m, DmaDevice dev, long dmaHandle, long size, DmaDirection dir) {
            calls.add("sync_single_for_cpu " + (m == null ? "unknown" : m.ops().name()));
        }

        @Override
        public Optional<Allocation> alloc(DmaDevice dev, long size, int gfp, long attrs) {
            calls.add("alloc " + size);
            return Optional.of(new Allocation(new CoherentBuffer(dev.name(), 0xffff000012340000L, next, 0x50000000L, size,
                size, CoherentSource.BUDDY, "iommu", MemAttr.NORMAL, false, attrs, "coherent")));
        }

        @Override
        public void free(DmaDevice dev, Allocation allocation, long attrs) {
            calls.add("free " + allocation.buffer().size());
        }

        @Override
        public long busToPhys(DmaDevice dev, long dmaHandle, long size) {
            return dmaHandle >= 0xfff00000L && dmaHandle < next ? 0x40000000L + (dmaHandle - 0xfff00000L) : -1;
        }

        @Override
        public long optMappingSize(DmaDevice dev) {
            return 128 << 10;
        }

        @Override
        public long mergeBoundary(DmaDevice dev) {
            return 0xfff;
        }
    }

    private long page() {
        return Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0));
    }

    @Test
    void callsGoToTheCurrentOpsAndReturnToTheOnesThatMadeThem() {
        long phys = page();
        DmaAddr direct = dma.mapPage(coh, Page.pfnDown(phys), 0, 4096, DmaDirection.TO_DEVICE, 0);
        CoherentBuffer directBuf = dma.allocCoherent(coh, 8192, Gfp.GFP_KERNEL).orElseThrow();

        WindowOps iommu = new WindowOps();
        dma.setDmaOps(coh, iommu);
        assertSame(iommu, dma.dmaOps(coh).orElseThrow());
        assertEquals("iommu", dma.deviceInfo(coh).dmaOps);
        DmaAddr translated = dma.mapPage(coh, Page.pfnDown(phys), 0x10, 100, DmaDirection.TO_DEVICE, 0);
        assertEquals(0xfff00010L, translated.value());
        CoherentBuffer iommuBuf = dma.allocCoherent(coh, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(2, iommu.instance.held(), "the ops' instance holds what it made");

        // The direct mapping made before the switch goes back to dma-direct, not to the IOMMU.
        dma.unmapPage(coh, direct, 4096, DmaDirection.TO_DEVICE, 0);
        dma.freeCoherent(coh, 8192, directBuf.cpuAddr(), directBuf.dmaHandle());
        assertEquals(List.of("map_page 100", "alloc 4096"), iommu.calls);

        dma.setDmaOps(coh, null);
        assertTrue(dma.dmaOps(coh).isEmpty());
        assertEquals("direct", dma.deviceInfo(coh).dmaOps);
        dma.syncSingleForCpu(coh, translated, 100, DmaDirection.TO_DEVICE);
        dma.unmapPage(coh, translated, 100, DmaDirection.TO_DEVICE, 0);
        dma.freeCoherent(coh, 4096, iommuBuf.cpuAddr(), iommuBuf.dmaHandle());
        assertEquals(List.of("map_page 100", "alloc 4096", "sync_single_for_cpu iommu", "unmap_page 100", "free 4096"),
            iommu.calls, "after the switch back, the IOMMU's mapping and buffer still go to the IOMMU");
        assertEquals(0, iommu.instance.held());
    }

    @Test
    void listsGoToTheOpsThatMergedThem() {
        WindowOps iommu = new WindowOps();
        dma.setDmaOps(coh, iommu);
        SgTable sg = SgTable.of(new long[] {page(), page(), page()}, new long[] {4096, 4096, 4096});
        assertEquals(1, dma.mapSg(coh, sg, 3, DmaDirection.BIDIRECTIONAL, 0), "one merged segment");
        dma.setDmaOps(coh, null);
        dma.unmapSg(coh, sg, 3, DmaDirection.BIDIRECTIONAL, 0);
        assertEquals(List.of("map_sg 3", "unmap_sg 3"), iommu.calls);
    }

    @Test
    void opsDecideTheLimitsTheyHave() {
        WindowOps iommu = new WindowOps();
        dma.setDmaOps(coh, iommu);
        assertEquals(0, dma.setMask(coh, (1L << 24) - 1), "an ops table without dma_supported accepts every mask");
        assertEquals(0xffffffffL, dma.requiredMask(coh), "without get_required_mask: 32 bits");
        assertEquals(128 << 10, dma.optMappingSize(coh), "min(max_mapping_size = SIZE_MAX, opt_mapping_size)");
        assertEquals(0xfff, dma.mergeBoundary(coh));
        dma.setDmaOps(coh, null);
        assertEquals(0, dma.mergeBoundary(coh), "dma-direct cannot merge");
        assertEquals(-5, dma.setMask(coh, (1L << 24) - 1), "dma_direct_supported refuses 24 bits here");
    }

    @Test
    void bypassGoesDirectWhenTheMaskCoversAllRam() {
        WindowOps iommu = new WindowOps();
        dma.setDmaOps(coh, iommu);
        dma.setDmaOpsBypass(coh, true);
        long phys = page();
        assertEquals(0, dma.setMask(coh, 0xffffffffL));
        DmaAddr a = dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0);
        assertEquals(0xfff00000L, a.value(), "a 32-bit mask does not reach RAM above 4 GiB: through the ops");
        assertEquals(0, dma.setMask(coh, -1L));
        DmaAddr b = dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0);
        assertEquals(phys, b.value(), "a 64-bit mask covers all RAM: dma-direct despite the ops");
        assertEquals("direct", dma.mappings().stream().filter(m -> m.dmaHandle() == phys).findFirst().orElseThrow()
            .ops().name());
    }

    /** Ops whose mappings hold a domain of theirs, a part of their instance, as an IOMMU's do. */
    static final class DomainOps extends WindowOps {
        final BackendLifecycle domain = new BackendLifecycle("iommu-domain", "iommu-domain#7", "test domain", () -> { });
        Runnable beforeHold = () -> { };
        boolean holdNothing;
        /** False while the ops are being set up: no instance yet (an IOMMU started on a running platform). */
        boolean attached;

        DomainOps() {
            this(true);
        }

        /** Ops attached to their instance, or (false) not yet, their domain not yet part of it. */
        DomainOps(boolean attached) {
            this.attached = attached;
            if (attached) {
                domain.attachTo(instance);
            }
        }

        @Override
        public Optional<BackendInstance> instance() {
            return attached ? super.instance() : Optional.empty();
        }

        @Override
        public boolean holdsInstanceThroughChild() {
            return true;
        }

        @Override
        public long mapPage(StreamingMapping m) {
            beforeHold.run();
            if (!holdNothing && !m.holdBackend(domain, 7)) {
                return DMA_MAPPING_ERROR;
            }
            return super.mapPage(m);
        }
    }

    @Test
    void opsHoldingTheirInstanceThroughADomainCountEachMappingOnce() {
        DomainOps iommu = new DomainOps();
        dma.setDmaOps(coh, iommu);
        long phys = page();
        DmaAddr a = dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0);
        DmaAddr b = dma.mapPage(coh, Page.pfnDown(phys), 64, 64, DmaDirection.TO_DEVICE, 0);
        assertEquals(2, iommu.domain.held());
        assertEquals(2, iommu.instance.held(), "held through the domain, not counted twice");
        dma.unmapPage(coh, a, 64, DmaDirection.TO_DEVICE, 0);
        assertEquals(1, iommu.instance.held());
        assertFalse(iommu.instance.retire());
        dma.unmapPage(coh, b, 64, DmaDirection.TO_DEVICE, 0);
        assertEquals(BackendState.RELEASED, iommu.instance.state(), "the domain's last give released the IOMMU");
        assertEquals(0, iommu.domain.held());
    }

    @Test
    void aMapTheOpsRefuseBecauseTheirInstanceBeganDrainingGoesToDmaDirect() {
        DomainOps iommu = new DomainOps();
        dma.setDmaOps(coh, iommu);
        long phys = page();
        iommu.beforeHold = iommu.instance::retire; // the IOMMU stops between dma.core's look and the ops' hold
        DmaAddr d = dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0);
        assertEquals(phys, d.value(), "mapped again by dma-direct, as a map after the stop would be");
        assertEquals(List.of(), iommu.calls, "the ops mapped nothing");
        assertEquals(0, iommu.domain.held(), "the refused map holds nothing");
        dma.unmapPage(coh, d, 64, DmaDirection.TO_DEVICE, 0);
    }

    /**
     * A map reaching ops that are not yet attached to their instance (the window in which an
     * IOMMU started on a running platform is set up) holds the domain alone, and the domain
     * brings that holding to the instance when it is made part of it.
     */
    @Test
    void opsNotYetAttachedToTheirInstanceMapAndTheirDomainBringsTheHoldingAlong() {
        DomainOps iommu = new DomainOps(false);
        dma.setDmaOps(coh, iommu);
        long phys = page();
        DmaAddr a = dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0);
        assertFalse(a.isMappingError());
        assertEquals(1, iommu.domain.held());
        iommu.domain.attachTo(iommu.instance);
        iommu.attached = true;
        assertEquals(1, iommu.instance.held(), "the domain's holding counts in the instance now");
        dma.unmapPage(coh, a, 64, DmaDirection.TO_DEVICE, 0);
        assertEquals(0, iommu.instance.held());
        assertEquals(0, iommu.domain.held());
    }

    @Test
    void opsThatClaimToHoldThroughADomainButHoldNothingAreReported() {
        DomainOps iommu = new DomainOps();
        iommu.holdNothing = true;
        dma.setDmaOps(coh, iommu);
        long phys = page();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0));
        assertTrue(e.getMessage().contains("without holding a part of iommu#1"), e.getMessage());
    }

    @Test
    void aDrainingOpsInstanceSendsNewWorkToDmaDirectAndKeepsTranslatingWhatItMade() {
        WindowOps iommu = new WindowOps();
        dma.setDmaOps(coh, iommu);
        long phys = page();
        DmaAddr held = dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0);
        long throughOps = 0x40000000L + (held.value() - 0xfff00000L);
        assertEquals(throughOps, dma.deviceAccess(coh, held, 64).value(), "the ops translate their IOVA");
        assertFalse(iommu.instance.retire());
        assertEquals(BackendState.DRAINING, iommu.instance.state());

        DmaAddr direct = dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0);
        assertEquals(phys, direct.value(), "a stopped IOMMU's device falls back to dma-direct");
        CoherentBuffer buf = dma.allocCoherent(coh, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(List.of("map_page 64"), iommu.calls, "nothing new reached the draining ops");
        assertEquals(throughOps, dma.deviceAccess(coh, held, 64, true).value(),
            "the device still reaches what the IOMMU gave it, through the IOMMU");
        assertEquals(buf.phys(), dma.deviceAccess(coh, new DmaAddr(buf.dmaHandle()), 64).value(),
            "and what dma-direct gave it, directly");

        dma.unmapPage(coh, held, 64, DmaDirection.TO_DEVICE, 0);
        assertEquals(BackendState.RELEASED, iommu.instance.state(), "its last mapping released it");
        dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0);
        assertTrue(dma.dmaOps(coh).isEmpty(), "released ops are dropped from the device");
        dma.freeCoherent(coh, 4096, buf.cpuAddr(), buf.dmaHandle());
    }

    @Test
    void pciDevicesGetRequesterIdsAndTheAddedListenerHearsOfThem() throws Exception {
        List<String> heard = new ArrayList<>();
        AutoCloseable listening = dma.onDeviceAdded(d -> heard.add(d.name()));
        DmaDevice edu = dma.createDevice(org.dmasim.api.dma.DeviceSpec.pci("0000:00:02.0"));
        DmaDevice nic = dma.createDevice(org.dmasim.api.dma.DeviceSpec.pci("nic"));
        DmaDevice nic2 = dma.createDevice(org.dmasim.api.dma.DeviceSpec.pci("nic2"));
        listening.close();
        dma.createDevice(org.dmasim.api.dma.DeviceSpec.pci("late"));
        assertEquals(List.of("0000:00:02.0", "nic", "nic2"), heard);
        assertEquals(0x10, edu.pciRid().getAsInt(), "00:02.0: device 2, function 0");
        assertEquals(0x08, nic.pciRid().getAsInt(), "the lowest free device number from 1");
        assertEquals(0x18, nic2.pciRid().getAsInt(), "00:02.0 is taken: 00:03.0");
        assertTrue(coh.pciRid().isEmpty(), "a platform device has no requester ID");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> dma.createDevice(org.dmasim.api.dma.DeviceSpec.pci("0000:00:02.0")));
        assertTrue(e.getMessage().contains("a device of that name exists"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> dma.createDevice(org.dmasim.api.dma.DeviceSpec.pci("0000:00:20.0")));
        assertEquals("PCI device 0000:00:20.0: device number 0x20 (expected 00..1f: a bus has 32 device numbers)",
            e.getMessage());
        assertTrue(dma.device("0000:00:20.0").isEmpty());
    }
}
