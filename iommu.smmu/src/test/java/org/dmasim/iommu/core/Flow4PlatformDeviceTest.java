package org.dmasim.iommu.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.iommu.IommuCounters;
import org.junit.jupiter.api.Test;

/**
 * Reference §13 worked flow 4: a coherent platform device behind the SMMUv3 ({@code iommus =
 * <&smmu 0x100>}), 64-bit mask, {@code dma_map_sg} of three scattered 4 KiB pages. Not a PCI
 * device, so no 32-bit-first attempt: the three granules round up to four, 4-granule aligned,
 * from the top of the 48-bit input space: one DMA segment {0xffff_ffff_c000, 12288}.
 *
 * <p>The unmap in strict mode: the reference counts "3 TLBI_NH_VA" for an SMMU without range
 * invalidation; QEMU's SMMUv3 has RIL (IDR3.RIL), so arm-smmu-v3 issues ONE TLBI_NH_VA with
 * NUM = 2 (3 pages, SCALE 0), then one CMD_SYNC.
 */
class Flow4PlatformDeviceTest {
    private static final long FLOW4_IOVA = 0xffffffffc000L;

    private SgTable threeScatteredPages(SmmuRig r) {
        long[] phys = {r.page(), r.page(), r.page()};
        r.page(); // keep the buddy from handing out neighbours only
        for (int i = 0; i < 3; i++) {
            r.cpuWrite(phys[i], SmmuRig.pattern(4096, i + 1));
        }
        return SgTable.of(phys, new long[] {4096, 4096, 4096});
    }

    private static DmaDevice device(SmmuRig r) {
        DmaDevice dev = r.device("dma-test-smmu");
        assertEquals(0, r.dma.setMaskAndCoherent(dev, -1L));
        return dev;
    }

    @Test
    void thePlatformDeviceJoinsItsOwnGroupAndIsTranslated() {
        SmmuRig r = SmmuRig.dts("smmuv3-platform-dev.dts");
        DmaDevice dev = r.device("dma-test-smmu");
        assertEquals(DmaDevice.Bus.PLATFORM, dev.bus());
        assertEquals("iommu", r.dma.dmaOps(dev).orElseThrow().name());
        assertTrue(r.iommu.group(dev).isPresent());
        assertTrue(r.boot.log().lines().stream().anyMatch(l -> l.text().contains("dma-test-smmu: Adding to iommu group")),
            "the platform device's group line");
    }

    @Test
    void threeScatteredPagesBecomeOneSegmentAtTheTopOfThe48BitSpace() {
        SmmuRig r = SmmuRig.dts("smmuv3-platform-dev.dts");
        DmaDevice dev = device(r);
        SgTable sg = threeScatteredPages(r);
        assertEquals(1, r.dma.mapSg(dev, sg, 3, DmaDirection.BIDIRECTIONAL, 0), "one merged DMA segment");
        assertEquals(Long.toHexString(FLOW4_IOVA), Long.toHexString(sg.dmaAddress(0)));
        assertEquals(12288, sg.dmaLength(0));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(SmmuRig.pattern(4096, i + 1), r.deviceRead(dev, FLOW4_IOVA + i * 4096L, 4096),
                "page " + i + " of the segment reaches scattered page " + i);
            assertEquals(sg.phys(i), r.dma.deviceAccess(dev, new org.dmasim.api.addr.DmaAddr(FLOW4_IOVA + i * 4096L), 1)
                .value());
        }
        assertEquals(3, r.leaves(dev, FLOW4_IOVA, 16384).size(), "three 4 KiB leaves, the 4th granule empty");
    }

    @Test
    void strictUnmapIsOneRangeInvalidationAndTheIovaComesBack() {
        SmmuRig r = SmmuRig.dts("smmuv3-platform-dev.dts");
        DmaDevice dev = device(r);
        assertEquals("DMA", r.iommu.group(dev).orElseThrow().type());
        SgTable sg = threeScatteredPages(r);
        r.dma.mapSg(dev, sg, 3, DmaDirection.BIDIRECTIONAL, 0);
        IommuCounters before = r.counters();
        r.dma.unmapSg(dev, sg, 3, DmaDirection.BIDIRECTIONAL, 0);
        IommuCounters after = r.counters();
        assertEquals(1, after.tlbiVa() - before.tlbiVa(), "RIL: one TLBI_NH_VA (NUM 2, SCALE 0) for three pages");
        assertEquals(1, after.syncs() - before.syncs(), "one CMD_SYNC");
        assertEquals(0, after.tlbiAsid() - before.tlbiAsid());
        assertEquals(0, after.fqQueued() - before.fqQueued());
        assertTrue(r.leaves(dev, FLOW4_IOVA, 16384).isEmpty());
        SgTable again = threeScatteredPages(r);
        assertEquals(1, r.dma.mapSg(dev, again, 3, DmaDirection.BIDIRECTIONAL, 0));
        assertEquals(Long.toHexString(FLOW4_IOVA), Long.toHexString(again.dmaAddress(0)),
            "the freed range went to the rcache (bin 2) and is handed out again");
    }

    @Test
    void lazyUnmapQueuesTheIovaUntilTheFlushQueueTimerFires() {
        SmmuRig r = SmmuRig.dts("smmuv3-platform-dev.dts", "cmdline", "console=ttyAMA0 iommu.strict=0");
        DmaDevice dev = device(r);
        assertEquals("DMA-FQ", r.iommu.group(dev).orElseThrow().type());
        SgTable sg = threeScatteredPages(r);
        r.dma.mapSg(dev, sg, 3, DmaDirection.BIDIRECTIONAL, 0);
        assertEquals(FLOW4_IOVA, sg.dmaAddress(0));
        IommuCounters before = r.counters();
        r.dma.unmapSg(dev, sg, 3, DmaDirection.BIDIRECTIONAL, 0);
        IommuCounters after = r.counters();
        assertEquals(0, after.tlbiVa() - before.tlbiVa(), "lazy: no invalidation at unmap");
        assertEquals(0, after.syncs() - before.syncs());
        assertEquals(1, after.fqQueued() - before.fqQueued());
        int domain = r.iommu.group(dev).orElseThrow().domain();
        assertEquals(1, fqWaiting(r, domain));
        SgTable meanwhile = threeScatteredPages(r);
        r.dma.mapSg(dev, meanwhile, 3, DmaDirection.BIDIRECTIONAL, 0);
        assertEquals(Long.toHexString(FLOW4_IOVA - 0x4000), Long.toHexString(meanwhile.dmaAddress(0)),
            "the queued range is not free yet: the next one is below it");
        assertEquals(1, r.iommu.advance(10_000_000L), "the 10 ms timer fires");
        IommuCounters flushed = r.counters();
        assertEquals(1, flushed.tlbiAsid() - after.tlbiAsid(), "flush_iotlb_all: TLBI_NH_ASID");
        assertEquals(1, flushed.fqFlushes() - after.fqFlushes());
        assertEquals(0, fqWaiting(r, domain));
        SgTable again = threeScatteredPages(r);
        r.dma.mapSg(dev, again, 3, DmaDirection.BIDIRECTIONAL, 0);
        assertEquals(Long.toHexString(FLOW4_IOVA), Long.toHexString(again.dmaAddress(0)), "freed by the timer");
    }

    static long fqWaiting(SmmuRig r, int domain) {
        return r.iommu.domains().stream().filter(d -> d.id() == domain).findFirst().orElseThrow().fqWaiting();
    }
}
