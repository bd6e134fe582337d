package org.dmasim.shell.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.iommu.IommuDomainInfo;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.shell.StubPlatform;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.testing.Dt;
import org.dmasim.testing.FakeDma;
import org.dmasim.testing.Specs;
import org.junit.jupiter.api.Test;

class IommuCommandsTest {
    private final IommuCommands commands = new IommuCommands();
    private final FakeDma dma = new FakeDma();
    private final FakeIommu iommu = new FakeIommu().group(0, "DMA-FQ", "0000:00:02.0");

    IommuCommandsTest() {
        dma.createDevice(org.dmasim.api.dma.DeviceSpec.pci("0000:00:02.0"));
        commands.platforms = List.of(new StubPlatform("smmu", State.BOOTED, null).with(DmaApi.class, dma)
            .with(Iommu.class, iommu));
    }

    private static String text(Object dto) {
        return ShellFormatter.formatAny(dto);
    }

    @Test
    void iommuGroups_oneRowPerGroup() {
        iommu.group(1, "identity", "0000:00:03.0");
        assertEquals(String.join("\n",
            "GROUP  TYPE      DEVICES       DOMAIN  UNIT",
            "0      DMA-FQ    0000:00:02.0  1       arm-smmu-v3 9050000.smmuv3",
            "1      identity  0000:00:03.0  2       arm-smmu-v3 9050000.smmuv3"), text(commands.iommu_groups("")));
    }

    @Test
    void iommuGroups_none_namesTheUnits() {
        iommu.types.clear();
        assertEquals("dmasim: 1 IOMMU unit: arm-smmu-v3 9050000.smmuv3; no IOMMU groups",
            text(commands.iommu_groups("")));
    }

    @Test
    void groupType_read() {
        assertEquals("group_type(0) = DMA-FQ", text(commands.group_type("", "0")));
    }

    @Test
    void groupType_write_asEchoDoes_newlineIncluded() {
        iommu.nextWrite = new Iommu.TypeWrite(4, List.of());
        assertEquals("group_type(0, DMA) = 4 (type now DMA)", text(commands.group_type("", "0", "DMA")));
        assertEquals(List.of("DMA\n"), iommu.written);
    }

    @Test
    void groupType_refusedWrite_errnoByName_kernelLinesFirst() {
        iommu.nextWrite = new Iommu.TypeWrite(-16, List.of("iommu: Device is still bound to driver"));
        assertEquals("iommu: Device is still bound to driver\ngroup_type(0, identity) = -EBUSY (type stays DMA-FQ)",
            text(commands.group_type("", "0", "identity")));
        iommu.nextWrite = new Iommu.TypeWrite(-22, List.of());
        assertEquals("group_type(0, dma) = -EINVAL (type stays DMA-FQ)", text(commands.group_type("", "0", "dma")));
        assertEquals("-1234", IommuCommands.errno(-1234));
    }

    @Test
    void groupType_badGroup_namesTheInput() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> commands.group_type("", "zero"));
        assertEquals("group: 'zero' (expected: a number such as 10 or 0xa)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> commands.group_type("", "-1", "DMA"));
        assertEquals("group: -1 (expected a group number, 0 or more: iommu:iommu_groups lists them)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> commands.group_type("", "7"));
        assertEquals("/sys/kernel/iommu_groups/7: no such group", e.getMessage());
        assertEquals(List.of(), iommu.written);
    }

    @Test
    void domains_translatedAndIdentity() {
        iommu.domains.add(new IommuDomainInfo(1, "DMA-FQ", 0, "ACTIVE", 1, 3, 1, 2, 4, 1));
        iommu.domains.add(new IommuDomainInfo(2, "identity", 1, "DRAINING", 0, 0, 0, 0, 0, 2));
        assertEquals(String.join("\n",
            "DOMAIN  TYPE      GROUP  STATE     ASID  IOVA_RANGES  CACHED  FQ_WAITING  TABLE_PAGES  HELD_BY",
            "1       DMA-FQ    0      ACTIVE    1     3            1       2           4            1 mapping",
            "2       identity  1      DRAINING  -     -            -       -           0            2 mappings"),
            text(commands.domains("")));
    }

    @Test
    void iova_listsRanges_orSaysThereAreNone() {
        assertEquals("dmasim: 0000:00:02.0: no IOVA range allocated", text(commands.iova("", "0000:00:02.0")));
        iommu.iova = List.of("0x0000fffff000-0x0000ffffffff 1 page");
        assertEquals("0x0000fffff000-0x0000ffffffff 1 page", text(commands.iova("", "0000:00:02.0")));
        Exception e = assertThrows(IllegalArgumentException.class, () -> commands.iova("", "edu"));
        assertEquals("no device 'edu' (devices: [0000:00:02.0])", e.getMessage());
    }

    @Test
    void pgtable_onePageByDefault_sizeChecked() {
        assertEquals("0000:00:02.0 0xfffff000 +0x1000", text(commands.pgtable("", "0000:00:02.0", "0xfffff000")));
        assertEquals("0000:00:02.0 0xffffe000 +0x2000",
            text(commands.pgtable("", "0000:00:02.0", "0xffffe000", "8K")));
        assertArrayEquals(new long[] {0xffffe000L, 0x2000}, iommu.lastDump);
        assertEquals("dmasim: 0000:00:02.0: no page-table entry maps [0x0, 0xfff]",
            text(commands.pgtable("", "0000:00:02.0", "0")));
        Exception e = assertThrows(IllegalArgumentException.class,
            () -> commands.pgtable("", "0000:00:02.0", "0x1000", "0"));
        assertEquals("pgtable: size 0 (expected 1 byte or more)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> commands.pgtable("", "0000:00:02.0", "0xfffffffffffff000", "8K"));
        assertEquals("pgtable: iova 0xfffffffffffff000 + size 8K wraps around the 64-bit address space",
            e.getMessage());
    }

    @Test
    void faults_theLogOrARemark() {
        assertEquals("dmasim: no IOMMU fault recorded", text(commands.faults("")));
        iommu.faultLog.addAll(List.of("arm-smmu-v3 9050000.smmuv3: event 0x10 received:",
            "arm-smmu-v3 9050000.smmuv3: \t0x0000001000000010"));
        assertEquals("arm-smmu-v3 9050000.smmuv3: event 0x10 received:\n"
            + "arm-smmu-v3 9050000.smmuv3: \t0x0000001000000010", text(commands.faults("")));
    }

    @Test
    void stats_everyCounterAndTheClock() {
        iommu.staleHits = 1;
        iommu.now = 12_345_678;
        assertEquals(String.join("\n",
            "translations      7 (device accesses, one per page)",
            "IOTLB hits        3",
            "IOTLB misses      4 (page-table walks)",
            "stale IOTLB hits  1 (an unmapped IOVA reached through an entry not yet invalidated)",
            "faults            2 (events recorded)",
            "aborted           0 (refused by an abort stream table entry, no event)",
            "CMD_TLBI_NH_VA    1",
            "CMD_TLBI_NH_ASID  1",
            "CMD_SYNC          9",
            "flush queue       5 IOVA ranges queued, 1 flush",
            "simulated time    12.345 ms since boot"), text(commands.stats("")));
    }

    @Test
    void msleep_advancesTheClockInNanoseconds_countsTimers() {
        iommu.timersPerAdvance = 1;
        assertEquals("msleep(10) = 1 flush-queue timer fired (simulated time 10.000 ms)",
            text(commands.msleep("", "10")));
        iommu.timersPerAdvance = 0;
        assertEquals("msleep(0x5) = 0 flush-queue timers fired (simulated time 15.000 ms)",
            text(commands.msleep("", "0x5")));
        assertEquals(15_000_000, iommu.now);
    }

    @Test
    void msleep_badTime_refused_clockUnchanged() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> commands.msleep("", "-1"));
        assertEquals("msleep: ms -1 (expected 0 or more milliseconds, at most 9223372036854)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> commands.msleep("", "0x7fffffffffffffff"));
        assertEquals("msleep: ms 0x7fffffffffffffff (expected 0 or more milliseconds, at most 9223372036854)",
            e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> commands.msleep("", "ten"));
        assertEquals("ms: 'ten' (expected: a number such as 10 or 0xa)", e.getMessage());
        assertEquals(0, iommu.now);
    }

    @Test
    void platformWithoutIommu_saysSoAndNamesTheProfileThatHasOne() {
        commands.platforms = List.of(new StubPlatform("virt", State.BOOTED, null).with(DmaApi.class, dma)
            .withSpec(Specs.spec(Arch.ARM64, "")));
        Exception e = assertThrows(IllegalStateException.class, () -> commands.iommu_groups(""));
        assertEquals("platform 'virt' has no IOMMU (no device-tree node is compatible with arm,smmu-v3; profile"
            + " qemu-virt-arm64-smmuv3 has one)", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> commands.msleep("", "10"));
        assertEquals("platform 'virt' has no IOMMU (no device-tree node is compatible with arm,smmu-v3; profile"
            + " qemu-virt-arm64-smmuv3 has one)", e.getMessage());
    }

    @Test
    void smmuWithoutDriver_namesTheNodeAndTheBundle() {
        var dt = Dt.tree(Dt.node("", Dt.props(), Dt.node("smmuv3@9050000",
            Dt.props(Dt.string("compatible", "arm,smmu-v3")))));
        commands.platforms = List.of(new StubPlatform("smmu", State.BOOTED, null).with(DmaApi.class, dma)
            .withSpec(Specs.arm64(dt, List.of(), "")));
        Exception e = assertThrows(IllegalStateException.class, () -> commands.stats(""));
        assertEquals("platform 'smmu': its SMMUv3 /smmuv3@9050000 has no driver (the iommu.smmu bundle is not active)",
            e.getMessage());
    }

    @Test
    void platformNotBooted_saysWhy() {
        commands.platforms = List.of(new StubPlatform("smmu", State.WAITING, "waiting for: swiotlb"));
        Exception e = assertThrows(IllegalStateException.class, () -> commands.domains(""));
        assertEquals("platform 'smmu' is WAITING: waiting for: swiotlb (the command needs a BOOTED platform)",
            e.getMessage());
        assertEquals(Optional.empty(), commands.platforms.get(0).lookup(Iommu.class));
    }
}
