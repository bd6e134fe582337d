package org.dmasim.iommu.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.iommu.IommuCounters;
import org.dmasim.api.platform.SimCpu;
import org.junit.jupiter.api.Test;

/**
 * The lazy window, visible and counted. In lazy mode ({@code iommu.strict=0}, DMA-FQ domains) an
 * unmap clears the page-table entry but sends no TLBI: an IOTLB entry the device filled before the
 * unmap keeps translating until the flush queue flushes (TLBI_NH_ASID + CMD_SYNC), when its ring
 * of 256 slots (255 usable) fills or its 10 ms timer fires. Such a hit is counted as stale and
 * reaches the page the mapping had. In strict mode the same access faults.
 */
class LazyWindowTest {
    private static final long TEN_MS = 10_000_000L;

    private static DmaDevice edu64(SmmuRig r) {
        DmaDevice edu = r.edu();
        assertEquals(0, r.dma.setMaskAndCoherent(edu, -1L));
        return edu;
    }

    /** Map, let the device read (filling the IOTLB), unmap; returns {iova, phys}. */
    private static long[] useThenUnmap(SmmuRig r, DmaDevice edu, byte[] content) {
        long buf = r.page();
        r.cpuWrite(buf, content);
        long iova = r.mapPage(edu, buf, 4096, DmaDirection.BIDIRECTIONAL);
        assertArrayEquals(content, r.deviceRead(edu, iova, 4096));
        r.unmapPage(edu, iova, 4096, DmaDirection.BIDIRECTIONAL);
        return new long[] {iova, buf};
    }

    @Test
    void strictUseAfterUnmapFaults() {
        SmmuRig r = SmmuRig.profile();
        DmaDevice edu = edu64(r);
        long[] m = useThenUnmap(r, edu, SmmuRig.pattern(4096, 1));
        IommuCounters before = r.counters();
        assertThrows(BusFault.class, () -> r.deviceWrite(edu, m[0], new byte[] {1, 2, 3}));
        assertEquals(1, r.counters().faults() - before.faults());
        assertEquals(0, r.counters().staleHits());
        assertArrayEquals(SmmuRig.pattern(4096, 1), r.cpuRead(m[1], 4096));
    }

    @Test
    void lazyUseAfterUnmapHitsTheStaleEntryUntilTheTimerFlushes() {
        SmmuRig r = SmmuRig.profile("cmdline", "console=ttyAMA0 iommu.strict=0");
        DmaDevice edu = edu64(r);
        assertEquals("DMA-FQ", r.iommu.readGroupType(0));
        IommuCounters start = r.counters();
        long[] m = useThenUnmap(r, edu, SmmuRig.pattern(4096, 2));
        IommuCounters unmapped = r.counters();
        assertEquals(0, unmapped.tlbiVa() - start.tlbiVa());
        assertEquals(1, unmapped.fqQueued() - start.fqQueued());
        assertEquals(0, r.leaves(edu, m[0], 4096).size(), "the page table entry is gone at once");

        byte[] late = {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef};
        r.deviceWrite(edu, m[0] + 0x100, late);
        IommuCounters stale = r.counters();
        assertEquals(1, stale.staleHits() - unmapped.staleHits(), "the use-after-unmap is counted");
        assertEquals(0, stale.faults() - unmapped.faults(), "and not caught");
        assertEquals(m[1], r.dma.deviceAccess(edu, new DmaAddr(m[0]), 1).value(), "it reaches the old page");
        assertArrayEquals(late, java.util.Arrays.copyOfRange(r.cpuRead(m[1], 4096), 0x100, 0x104),
            "the device's bytes landed in memory it no longer owns");

        r.iommu.advance(TEN_MS - 1);
        assertEquals(0, r.counters().tlbiAsid() - unmapped.tlbiAsid(), "not yet 10 ms");
        r.iommu.advance(1);
        IommuCounters flushed = r.counters();
        assertEquals(1, flushed.tlbiAsid() - unmapped.tlbiAsid());
        assertEquals(1, flushed.fqFlushes() - unmapped.fqFlushes());
        byte[] memory = r.cpuRead(m[1], 4096);
        assertThrows(BusFault.class, () -> r.deviceWrite(edu, m[0], new byte[] {7}));
        assertEquals(1, r.counters().faults() - flushed.faults(), "after the flush the window is closed");
        assertEquals(flushed.staleHits(), r.counters().staleHits());
        assertArrayEquals(memory, r.cpuRead(m[1], 4096));
    }

    @Test
    void lazyWithoutACachedEntryFaultsAtOnce() {
        SmmuRig r = SmmuRig.profile("cmdline", "console=ttyAMA0 iommu.strict=0");
        DmaDevice edu = edu64(r);
        long buf = r.page();
        long iova = r.mapPage(edu, buf, 4096, DmaDirection.BIDIRECTIONAL);
        r.unmapPage(edu, iova, 4096, DmaDirection.BIDIRECTIONAL);
        assertThrows(BusFault.class, () -> r.deviceRead(edu, iova, 4), "the walk finds no entry: the window is the IOTLB");
        assertEquals(0, r.counters().staleHits());
    }

    @Test
    void theFlushQueueFlushesWhen255EntriesWaitOnOneCpu() {
        SmmuRig r = SmmuRig.profile("cmdline", "console=ttyAMA0 iommu.strict=0");
        DmaDevice edu = edu64(r);
        SimCpu.bind(0);
        long buf = r.page();
        long[] iova = new long[256];
        for (int i = 0; i < iova.length; i++) {
            iova[i] = r.mapPage(edu, buf, 4096, DmaDirection.TO_DEVICE);
        }
        IommuCounters start = r.counters();
        long now = r.iommu.now();
        int domain = r.iommu.group(edu).orElseThrow().domain();
        for (int i = 0; i < 255; i++) {
            r.unmapPage(edu, iova[i], 4096, DmaDirection.TO_DEVICE);
        }
        IommuCounters full = r.counters();
        assertEquals(0, full.tlbiAsid() - start.tlbiAsid(), "255 entries fill the ring; nothing flushed yet");
        assertEquals(255, Flow4PlatformDeviceTest.fqWaiting(r, domain));
        r.unmapPage(edu, iova[255], 4096, DmaDirection.TO_DEVICE);
        IommuCounters after = r.counters();
        assertEquals(1, after.tlbiAsid() - start.tlbiAsid(), "the 256th unmap finds the ring full: TLBI_NH_ASID");
        assertEquals(1, after.syncs() - start.syncs(), "+ CMD_SYNC");
        assertEquals(0, after.tlbiVa() - start.tlbiVa());
        assertEquals(1, after.fqFlushes() - start.fqFlushes());
        assertEquals(256, after.fqQueued() - start.fqQueued());
        assertEquals(1, Flow4PlatformDeviceTest.fqWaiting(r, domain), "the 255 were freed, the 256th queued");
        assertEquals(now, r.iommu.now(), "no simulated time passed");
    }
}
