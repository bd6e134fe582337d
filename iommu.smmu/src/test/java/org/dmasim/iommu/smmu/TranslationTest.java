package org.dmasim.iommu.smmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.mm.Gfp;
import org.dmasim.iommu.smmu.hw.Counters;
import org.dmasim.iommu.smmu.hw.SmmuHw;
import org.dmasim.iommu.smmu.hw.Translation;
import org.junit.jupiter.api.Test;

/** The hardware model driven by the driver: walks, IOTLB, faults, events and their log lines. */
class TranslationTest {
    private static final String P = "arm-smmu-v3 9050000.smmuv3: ";

    private final SmmuFixture f = new SmmuFixture();
    private final Master edu = f.smmu.probeDevice("pci 0000:00:02.0", new int[] {0x10});
    private final int asid = f.smmu.allocAsid();
    private final long pgd = f.mem.allocPage(Gfp.GFP_KERNEL);

    private void attach() {
        f.smmu.attachS1(edu, asid, pgd, S1Config.coherent(f.smmu.oas()));
    }

    @Test
    void translatesThroughHandWrittenTablesAndCachesTheLeaf() {
        attach();
        f.mapPage(pgd, 0xfffff000L, 0x101280000L, SmmuFixture.RW);
        Translation t = f.hw.translate(0x10, 0xfffff123L, true);
        assertTrue(t.ok());
        assertEquals(0x101280123L, t.phys());
        assertFalse(t.stale());
        assertEquals(0x101280004L, f.hw.translate(0x10, 0xfffff004L, false).phys());
        Counters c = f.hw.counters();
        assertEquals(1, c.walks());
        assertEquals(1, c.iotlbHits());
    }

    @Test
    void twoMegabyteBlock() {
        attach();
        // L0[0] -> L1 table, L1[0] -> L2 table, L2[1] = block at 0x40200000
        long l1 = f.mem.allocPage(Gfp.GFP_KERNEL);
        long l2 = f.mem.allocPage(Gfp.GFP_KERNEL);
        f.mem.write(pgd, l1 | 3);
        f.mem.write(l1, l2 | 3);
        f.mem.write(l2 + 8, 0x40200000L | 0xf45L);
        assertEquals(0x40212345L, f.hw.translate(0x10, 0x212345L, true).phys());
    }

    @Test
    void unmappedIovaFaultsWithQemusRecordAndTheKernelsLines() {
        attach();
        Translation t = f.hw.translate(0x10, 0xdead000L, false);
        assertEquals(0x10, t.fault());
        assertTrue(t.recorded());
        assertEquals(List.of(P + "event 0x10 received:", P + "\t0x0000001000000010", P + "\t0x0000000800000000",
            P + "\t0x000000000dead000", P + "\t0x0000000000000000"), f.smmu.processEvents());
        assertEquals(List.of(), f.smmu.processEvents(), "drained");
    }

    @Test
    void writeToReadOnlyPageIsAPermissionFaultAndReadsStillWork() {
        attach();
        f.mapPage(pgd, 0x5000, 0x70000000L, SmmuFixture.RO);
        assertEquals(0x70000010L, f.hw.translate(0x10, 0x5010, false).phys());
        Translation t = f.hw.translate(0x10, 0x5010, true); // now from the IOTLB
        assertEquals(0x13, t.fault());
        assertEquals(-1, t.phys(), "no output address: memory is not touched");
        List<String> lines = f.smmu.processEvents();
        assertEquals(P + "event 0x13 received:", lines.get(0));
        assertEquals(P + "\t0x0000000000000000", lines.get(2), "RnW 0: a write");
        assertEquals(P + "\t0x0000000000005010", lines.get(3));
        // a write walked (not cached) faults the same way
        f.mapPage(pgd, 0x6000, 0x70001000L, SmmuFixture.RO);
        assertEquals(0x13, f.hw.translate(0x10, 0x6000, true).fault());
    }

    @Test
    void inputBeyondT0szIsATranslationFault() {
        attach();
        assertEquals(0x10, f.hw.translate(0x10, 1L << 48, false).fault());
    }

    @Test
    void outputBeyondOasIsAnAddressSizeFault() {
        attach();
        f.mapPage(pgd, 0x7000, 1L << 44, SmmuFixture.RW);
        assertEquals(0x11, f.hw.translate(0x10, 0x7000, false).fault());
    }

    @Test
    void abortSteFaultsWithoutEvent() {
        Translation t = f.hw.translate(0x10, 0x1000, false);
        assertEquals(Translation.ABORT, t.fault());
        assertFalse(t.recorded());
        assertEquals(List.of(), f.smmu.processEvents());
        assertEquals(1L, f.hw.counters().faults().get(0));
    }

    @Test
    void streamWithoutL2TableIsBadStreamId() {
        Translation t = f.hw.translate(0x1000, 0x1000, false);
        assertEquals(0x02, t.fault());
        List<String> lines = f.smmu.processEvents();
        assertEquals(P + "event 0x02 received:", lines.get(0));
        assertEquals(P + "\t0x0000100000000002", lines.get(1));
    }

    @Test
    void steIsCachedUntilCfgiSte() {
        attach();
        f.mapPage(pgd, 0x1000, 0x70000000L, SmmuFixture.RW);
        assertTrue(f.hw.translate(0x10, 0x1000, false).ok());
        // a write behind the driver's back is not seen: the config cache holds the S1 STE
        f.mem.write(f.smmu.steAddress(0x10), 0x1);
        assertTrue(f.hw.translate(0x10, 0x1000, false).ok());
        f.hw.submit(new long[] {0x03 | (0x10L << 32), 1}, 1);
        assertEquals(Translation.ABORT, f.hw.translate(0x10, 0x1000, false).fault());
    }

    @Test
    void staleIotlbHitAfterLazyUnmapUntilTlbiNhAsid() {
        attach();
        long pte = f.mapPage(pgd, 0x8000, 0x70008000L, SmmuFixture.RW);
        assertEquals(0x70008000L, f.hw.translate(0x10, 0x8000, true).phys());
        f.mem.write(pte, 0); // lazy unmap: PTE cleared, no invalidation
        Translation t = f.hw.translate(0x10, 0x8000, true);
        assertTrue(t.ok());
        assertTrue(t.stale());
        assertEquals(0x70008000L, t.phys(), "the device still reaches the old page");
        assertEquals(1, f.hw.counters().staleHits());
        f.smmu.flushIotlbAll(asid);
        assertEquals(0x10, f.hw.translate(0x10, 0x8000, true).fault());
        assertEquals(1, f.hw.counters().staleHits());
    }

    @Test
    void strictUnmapLeavesNoStaleEntry() {
        attach();
        long pte = f.mapPage(pgd, 0xfffff000L, 0x70008000L, SmmuFixture.RW);
        assertTrue(f.hw.translate(0x10, 0xfffff000L, false).ok());
        f.mem.write(pte, 0);
        var g = new org.dmasim.iommu.pgtable.IotlbGather(false);
        f.smmu.flushOps(asid).addPage(g, 0xfffff000L, 4096);
        f.smmu.iotlbSync(asid, g);
        assertEquals(0x10, f.hw.translate(0x10, 0xfffff000L, false).fault());
        assertEquals(0, f.hw.counters().staleHits());
    }

    @Test
    void aDeviceTranslatingWhileTheCpuInvalidatesLosesNoCount() throws Exception {
        attach();
        f.mapPage(pgd, 0x9000, 0x70009000L, SmmuFixture.RW);
        int n = 50_000;
        Counters before = f.hw.counters();
        long vaBefore = before.commands().getOrDefault("TLBI_NH_VA", 0L);
        Thread device = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                long out = f.hw.translateRaw(0x10, 0x9000 + (i & 0xfff), (i & 1) == 0);
                if (out != 0x70009000L + (i & 0xfff)) {
                    throw new AssertionError("translation " + i + ": 0x" + Long.toHexString(out));
                }
            }
        });
        Throwable[] failed = new Throwable[1];
        device.setUncaughtExceptionHandler((t, e) -> failed[0] = e);
        device.start();
        for (int i = 0; i < n; i++) {
            f.smmu.invalidateRange(asid, 0x9000, 4096, 4096, true);
        }
        device.join();
        assertEquals(null, failed[0]);
        Counters c = f.hw.counters();
        assertEquals(n, c.iotlbHits() + c.iotlbMisses() - before.iotlbHits() - before.iotlbMisses());
        assertEquals(c.iotlbMisses() - before.iotlbMisses(), c.walks() - before.walks());
        assertEquals(vaBefore + n, c.commands().get("TLBI_NH_VA"));
        assertEquals(vaBefore + n, f.smmu.stats().commands().get("TLBI_NH_VA"), "the driver's count");
        assertEquals(0, c.staleHits());
    }

    @Test
    void isolationBetweenTwoMastersAlsoThroughTheIotlb() {
        attach();
        Master other = f.smmu.probeDevice("pci 0000:00:03.0", new int[] {0x18});
        int asid2 = f.smmu.allocAsid();
        long pgd2 = f.mem.allocPage(Gfp.GFP_KERNEL);
        f.smmu.attachS1(other, asid2, pgd2, S1Config.coherent(44));
        f.mapPage(pgd, 0x10000, 0x70010000L, SmmuFixture.RW);
        f.mapPage(pgd2, 0x20000, 0x70020000L, SmmuFixture.RW);
        // fill the IOTLB with both, then each tries the other's IOVA
        assertEquals(0x70010000L, f.hw.translate(0x10, 0x10000, true).phys());
        assertEquals(0x70020000L, f.hw.translate(0x18, 0x20000, true).phys());
        assertEquals(0x10, f.hw.translate(0x10, 0x20000, true).fault());
        assertEquals(0x10, f.hw.translate(0x18, 0x10000, true).fault());
        // the same IOVA in both domains reaches each domain's own page
        f.mapPage(pgd2, 0x10000, 0x70030000L, SmmuFixture.RW);
        assertEquals(0x70030000L, f.hw.translate(0x18, 0x10000, false).phys());
        assertEquals(0x70010000L, f.hw.translate(0x10, 0x10000, false).phys());
    }

    @Test
    void ratelimitTenPerFiveSecondsThenTheSuppressedLine() {
        attach();
        long[] now = {1_000_000_000L};
        f.smmu.setClock(() -> now[0]);
        for (int i = 0; i < 13; i++) {
            f.hw.translate(0x10, 0x100000L + i * 4096L, false);
        }
        List<String> lines = f.smmu.processEvents();
        assertEquals(10 * 5, lines.size(), "10 events printed, 3 suppressed");
        now[0] += 5_000_000_000L; // not yet past the interval
        f.hw.translate(0x10, 0x200000L, false);
        assertEquals(List.of(), f.smmu.processEvents());
        now[0] += 1;
        f.hw.translate(0x10, 0x300000L, false);
        lines = f.smmu.processEvents();
        assertEquals("arm_smmu_evtq_thread: 4 callbacks suppressed", lines.get(0));
        assertEquals(P + "event 0x10 received:", lines.get(1));
        assertEquals(P + "\t0x0000000000300000", lines.get(4));
    }

    @Test
    void fullEventQueueDropsAndTheGerrorHandlerSaysSo() {
        attach();
        f.hw.enableEventQueue(1); // a 2-entry queue
        for (int i = 0; i < 3; i++) {
            f.hw.translate(0x10, 0x100000L + i * 4096L, false);
        }
        assertEquals(1, f.hw.counters().eventsDropped());
        assertEquals(SmmuHw.GERROR_EVTQ_ABT_ERR, f.hw.gerror());
        List<String> lines = f.smmu.processEvents();
        assertEquals(12, lines.size());
        assertEquals(P + "unexpected global error reported (0x00000004), this could be serious", lines.get(10));
        assertEquals(P + "EVTQ write aborted -- events may have been lost", lines.get(11));
        assertEquals(List.of(), f.smmu.processEvents(), "acknowledged");
    }

    @Test
    void iotlbIsEmptiedWhenFullAsQemuDoes() {
        attach();
        for (int i = 0; i <= SmmuHw.QEMU_IOTLB_ENTRIES; i++) {
            f.mapPage(pgd, 0x100000L + i * 4096L, 0x70000000L + i * 4096L, SmmuFixture.RW);
            assertTrue(f.hw.translate(0x10, 0x100000L + i * 4096L, false).ok());
        }
        assertEquals(1, f.hw.iotlbEntries());
        assertEquals(1, f.hw.counters().iotlbFlushAllOnFull());
    }
}
