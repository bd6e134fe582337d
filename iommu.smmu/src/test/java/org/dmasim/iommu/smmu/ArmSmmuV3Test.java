package org.dmasim.iommu.smmu;

import static org.dmasim.testing.Dt.cells;
import static org.dmasim.testing.Dt.flag;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.mm.Gfp;
import org.dmasim.iommu.pgtable.DescriptorPages;
import org.dmasim.iommu.pgtable.IoPgtableTlb;
import org.dmasim.iommu.pgtable.IotlbGather;
import org.dmasim.iommu.smmu.hw.SmmuHw;
import org.dmasim.testing.FakePageAllocator;
import org.junit.jupiter.api.Test;

class ArmSmmuV3Test {
    private static final String P = "arm-smmu-v3 9050000.smmuv3: ";

    /** Records every command the driver hands the SMMU. */
    private static final class Recorder {
        final List<long[]> cmds = new ArrayList<>();
    }

    @Test
    void bootLinesOfQemusSmmu() {
        SmmuFixture f = new SmmuFixture();
        assertEquals(List.of(P + "ias 44-bit, oas 44-bit (features 0x00008305)",
            P + "allocated 65536 entries for cmdq", P + "allocated 32768 entries for evtq"), f.smmu.bootLines());
        assertEquals(f.smmu.bootLines(), f.log);
        // reset: CFGI_ALL + sync, TLBI_NSNH_ALL + sync
        Stats s = f.smmu.stats();
        assertEquals(1L, s.commands().get("CFGI_ALL"));
        assertEquals(1L, s.commands().get("TLBI_NSNH_ALL"));
        assertEquals(2, s.syncs());
        assertTrue(f.hw.enabled());
        assertEquals(1, f.mem.livePages(), "only the L1 stream table");
    }

    @Test
    void iommuCellsErrorsArePrintedAndProbeGoesOn() {
        FakePageAllocator pa = FakePageAllocator.oneZone(0x40000, 0x50000);
        DescriptorPages mem = new DescriptorPages(pa);
        List<String> log = new ArrayList<>();
        SmmuHw hw = new SmmuHw(mem);
        ArmSmmuV3.probe(SmmuFixture.smmuNode(List.of(new DtProperty("#iommu-cells", new byte[0]))), "9050000.smmuv3",
            SmmuParams.DEFAULTS, mem, hw, log::add);
        assertEquals(P + "missing #iommu-cells property", log.get(0));
        assertTrue(hw.enabled(), "disable_bypass keeps the SMMU enabled");

        List<String> log2 = new ArrayList<>();
        SmmuHw hw2 = new SmmuHw(mem);
        ArmSmmuV3.probe(SmmuFixture.smmuNode(List.of(cells("#iommu-cells", 2))), "9050000.smmuv3",
            new SmmuParams(false, false), mem, hw2, log2::add);
        assertEquals(P + "invalid #iommu-cells value (2)", log2.get(0));
        assertFalse(hw2.enabled(), "bypass requested and disable_bypass=0: SMMUEN stays clear");
    }

    @Test
    void mmioTooSmallFailsAndLeavesNothing() {
        FakePageAllocator pa = FakePageAllocator.oneZone(0x40000, 0x50000);
        DescriptorPages mem = new DescriptorPages(pa);
        List<String> log = new ArrayList<>();
        SmmuProbeException e = assertThrows(SmmuProbeException.class, () -> ArmSmmuV3.probe(
            SmmuFixture.smmuNode(List.of(cells("reg", 0, 0x9050000, 0, 0x10000))), "9050000.smmuv3",
            SmmuParams.DEFAULTS, mem, new SmmuHw(mem), log::add));
        assertEquals(P + "MMIO region too small ([mem 0x09050000-0x0905ffff flags 0x200])", e.getMessage());
        assertEquals(-22, e.errno());
        assertEquals(List.of(e.getMessage(), "arm-smmu-v3: probe of 9050000.smmuv3 failed with error -22"), log);
        assertEquals(List.of(), pa.allocCalls, "nothing allocated");
        assertEquals(0, mem.livePages());
    }

    @Test
    void nonCoherentFirmwareWarnsAboutCohacc() {
        FakePageAllocator pa = FakePageAllocator.oneZone(0x40000, 0x50000);
        DescriptorPages mem = new DescriptorPages(pa);
        List<String> log = new ArrayList<>();
        ArmSmmuV3 smmu = ArmSmmuV3.probe(SmmuFixture.smmuNode(List.of(new DtProperty("dma-coherent", new byte[] {1}))
            .subList(0, 0)), "9050000.smmuv3", SmmuParams.DEFAULTS, mem, new SmmuHw(mem), log::add);
        assertEquals(0x8305, smmu.features());
        // without dma-coherent
        List<String> log2 = new ArrayList<>();
        var node = SmmuFixture.smmuNode(List.of());
        var props = new ArrayList<>(node.properties().values());
        props.removeIf(p -> p.name().equals("dma-coherent"));
        var nc = org.dmasim.testing.Dt.node("smmuv3@9050000", props);
        org.dmasim.testing.Dt.root(nc);
        ArmSmmuV3 smmu2 = ArmSmmuV3.probe(nc, "9050000.smmuv3", SmmuParams.DEFAULTS, mem, new SmmuHw(mem), log2::add);
        assertEquals(P + "IDR0.COHACC overridden by FW configuration (false)", log2.get(0));
        assertEquals(P + "ias 44-bit, oas 44-bit (features 0x00008205)", log2.get(1));
        assertEquals(0x8205, smmu2.features());
    }

    @Test
    void steValuesForAbortBypassAndS1AndTheCd() {
        SmmuFixture f = new SmmuFixture();
        Master edu = f.smmu.probeDevice("pci 0000:00:02.0", new int[] {0x10});
        long ste = f.smmu.steAddress(0x10);
        assertEquals(0x1, f.mem.read(ste));
        assertEquals(0x0000100000000000L, f.mem.read(ste + 8));
        long l1 = f.mem.read(f.smmu.streamTable());
        assertEquals(9, l1 & 0x1f, "L1 descriptor SPAN");
        assertEquals(ste & ~0x3fffL, l1 & ~0x3fL);

        f.smmu.attachBypass(edu);
        assertEquals(0x9, f.mem.read(ste));
        assertEquals(0x0000100000000000L, f.mem.read(ste + 8));

        int asid = f.smmu.allocAsid();
        assertEquals(1, asid);
        long pgd = f.mem.allocPage(Gfp.GFP_KERNEL);
        f.smmu.attachS1(edu, asid, pgd, S1Config.coherent(f.smmu.oas()));
        long cd = f.smmu.cdAddress(asid);
        assertEquals(cd | 0xb, f.mem.read(ste));
        assertEquals(0xd6, f.mem.read(ste + 8));
        assertEquals(0, f.mem.read(ste + 16));
        assertEquals(0x0001e204c0003510L, f.mem.read(cd));
        assertEquals(pgd, f.mem.read(cd + 8));
        assertEquals(0, f.mem.read(cd + 16));
        assertEquals(0xf404ff44L, f.mem.read(cd + 24));

        f.smmu.detach(edu);
        assertEquals(0x1, f.mem.read(ste));
        assertEquals(2, f.smmu.allocAsid(), "lowest free");
        f.smmu.freeAsid(1);
        assertEquals(1, f.smmu.allocAsid());
    }

    @Test
    void noDomainStesBypassWithoutDisableBypass() {
        SmmuFixture f = new SmmuFixture(true, new SmmuParams(false, false));
        f.smmu.probeDevice("pci 0000:00:02.0", new int[] {0x10});
        assertEquals(0x9, f.mem.read(f.smmu.steAddress(0x10)));
        assertEquals(0x4000, f.hw.translate(0x10, 0x4000, true).phys());
    }

    @Test
    void attachCommandSequence() {
        SmmuFixture f = new SmmuFixture();
        Master edu = f.smmu.probeDevice("pci 0000:00:02.0", new int[] {0x10});
        Stats before = f.smmu.stats();
        int asid = f.smmu.allocAsid();
        f.smmu.attachS1(edu, asid, f.mem.allocPage(Gfp.GFP_KERNEL), S1Config.coherent(44));
        Stats after = f.smmu.stats();
        // CD: two bare syncs; STE: CFGI_STE+sync twice; PREFETCH_CFG without sync
        assertEquals(2L, after.commands().get("CFGI_STE"));
        assertEquals(1L, after.commands().get("PREFETCH_CFG"));
        assertEquals(before.syncs() + 4, after.syncs());
        assertEquals(before.batches() + 5, after.batches());
    }

    @Test
    void duplicateStreamIsRefused() {
        SmmuFixture f = new SmmuFixture();
        f.smmu.probeDevice("pci 0000:00:02.0", new int[] {0x10});
        SmmuProbeException e = assertThrows(SmmuProbeException.class,
            () -> f.smmu.probeDevice("pci 0000:00:03.0", new int[] {0x18, 0x10}));
        assertEquals("pci 0000:00:03.0: stream 16 already in tree from dev 0000:00:02.0", e.getMessage());
        // 0x18 was rolled back: a third device can take it
        f.smmu.probeDevice("pci 0000:00:03.0", new int[] {0x18});
    }

    @Test
    void strictUnmapOfOnePageCommands() {
        SmmuFixture f = new SmmuFixture();
        List<long[]> seen = captureCommands(f);
        IoPgtableTlb tlb = f.smmu.flushOps(1);
        IotlbGather g = new IotlbGather(false);
        tlb.addPage(g, 0xfffff000L, 4096);
        f.smmu.iotlbSync(1, g);
        assertEquals(0, g.pgsize());
        assertEquals(List.of("0x0001000000000012 0x00000000fffff701", "0x000000000fc02046 0x0000000000000000"),
            format(seen));
    }

    @Test
    void anIllegalCommandIsCountedRefusedAfterWhatPrecedesItAndLeavesTheQueueUsable() {
        SmmuFixture f = new SmmuFixture();
        CmdQueue q = new CmdQueue(f.hw);
        List<long[]> seen = captureCommands(f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.issueWithSync(0x7f, 0));
        assertEquals("SMMU command queue: illegal command (opcode 0x7f, dw0 0x000000000000007f)", e.getMessage());
        assertEquals(List.of(), format(seen), "neither the command nor its sync consumed");
        long[] list = {CmdQueue.tlbiNhAsid(1), 0, 0x7f, 0, CmdQueue.tlbiNhAsid(2), 0, 0, 0};
        assertThrows(IllegalArgumentException.class, () -> q.issue(list, 3, true));
        assertEquals(List.of("0x0001000000000011 0x0000000000000000"), format(seen), "the command before it took effect");
        Stats s = q.stats();
        assertEquals(2L, s.commands().get("opcode 0x7f"), "the driver counts what it issued");
        assertEquals(2L, s.commands().get("CMD_SYNC"));
        assertEquals(2, s.syncs());
        assertEquals(2, s.batches());
        long consumedVa = f.hw.counters().commands().getOrDefault("TLBI_NH_VA", 0L);
        // the SMMU's lock was given back: the next list goes through at once
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> q.issueWithSync(CmdQueue.tlbiNhVa0(1, 0, 0),
            CmdQueue.tlbiNhVa1(0x5000, true, 3, 1)));
        assertEquals(consumedVa + 1, f.hw.counters().commands().get("TLBI_NH_VA"));
        assertThrows(IllegalArgumentException.class, () -> f.hw.submit(new long[] {0x7f, 0}, 1));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> f.hw.counters());
    }

    @Test
    void rangeEncodings() {
        SmmuFixture f = new SmmuFixture();
        List<long[]> seen = captureCommands(f);
        f.smmu.invalidateRange(1, 0x100000, 3 * 4096, 4096, true);
        assertEquals(List.of("0x0001000000002012 0x0000000000100701", "0x000000000fc02046 0x0000000000000000"),
            format(seen));
        seen.clear();
        f.smmu.invalidateRange(1, 0x100000, 33 * 4096, 4096, true);
        // 33 pages: NUM 0 SCALE 0 at the start, then NUM 0 SCALE 5 one page later
        assertEquals(List.of("0x0001000000000012 0x0000000000100701", "0x0001000000500012 0x0000000000101701",
            "0x000000000fc02046 0x0000000000000000"), format(seen));
        seen.clear();
        f.smmu.flushOps(1).flushWalk(0x200000, 2 << 20, 4096);
        // non-leaf 2 MiB: NUM 0 SCALE 9, TTL 0, TG 1, LEAF 0
        assertEquals(List.of("0x0001000000900012 0x0000000000200400", "0x000000000fc02046 0x0000000000000000"),
            format(seen));
        seen.clear();
        f.smmu.invalidateRange(1, 0x200000, 2 << 20, 2 << 20, true);
        assertEquals("0x0001000000900012 0x0000000000200601", format(seen).get(0), "2 MiB leaf: TTL 2");
    }

    @Test
    void withoutRilOneCommandPerGranuleInBatchesOf64() {
        SmmuFixture f = new SmmuFixture(false, SmmuParams.DEFAULTS);
        Stats before = f.smmu.stats();
        f.smmu.flushOps(1).flushWalk(0x200000, 2 << 20, 4096);
        Stats after = f.smmu.stats();
        assertEquals(512L, after.commands().get("TLBI_NH_VA"));
        assertEquals(before.syncs() + 1, after.syncs());
        assertEquals(before.batches() + 8, after.batches(), "7 full batches issued without sync, the 8th with it");
    }

    @Test
    void flushAllIsTlbiNhAsidAndSync() {
        SmmuFixture f = new SmmuFixture();
        List<long[]> seen = captureCommands(f);
        f.smmu.flushIotlbAll(1);
        assertEquals(List.of("0x0001000000000011 0x0000000000000000", "0x000000000fc02046 0x0000000000000000"),
            format(seen));
    }

    /** Wraps the hardware so the commands it consumes are visible (reads them back from the hw counters' order). */
    private static List<long[]> captureCommands(SmmuFixture f) {
        List<long[]> seen = new ArrayList<>();
        f.hw.setCommandObserver((dw0, dw1) -> seen.add(new long[] {dw0, dw1}));
        return seen;
    }

    private static List<String> format(List<long[]> cmds) {
        List<String> out = new ArrayList<>();
        for (long[] c : cmds) {
            out.add(String.format("0x%016x 0x%016x", c[0], c[1]));
        }
        return out;
    }

    @Test
    void releaseDeviceFreesItsStreams() {
        SmmuFixture f = new SmmuFixture();
        Master m = f.smmu.probeDevice("platform 9000000.dev", new int[] {3});
        f.smmu.releaseDevice(m);
        Master again = f.smmu.probeDevice("platform 9001000.dev", new int[] {3});
        assertArrayEquals(new int[] {3}, again.streamIds());
        assertThrows(IllegalStateException.class, () -> f.smmu.releaseDevice(m));
    }
}
