package org.dmasim.platform.dt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Facts about the oracle boards, checked on both the DTS and the dtc-compiled DTB. */
class OracleTreeFactsTest {

    static Stream<String> formats() {
        return Stream.of("dts", "dtb");
    }

    private static DeviceTree load(String caseName, String format) {
        return format.equals("dts") ? Fixtures.dts(caseName) : Fixtures.dtb(caseName);
    }

    @ParameterizedTest
    @MethodSource("formats")
    void twoBankBoardHasBothMemoryNodes(String format) {
        DeviceTree t = load("a64-dtb-2bank-2G+2G", format);
        DtNode low = t.find("/memory@40000000").orElseThrow();
        DtNode high = t.find("/memory@400000000").orElseThrow();
        assertCells(low.property("reg").orElseThrow(), 0, 0x40000000L, 0, 0x80000000L);
        assertCells(high.property("reg").orElseThrow(), 4, 0, 0, 0x80000000L);
        assertRanges(List.of(new long[] {0x40000000L, 0x80000000L}), low.reg());
        assertRanges(List.of(new long[] {0x400000000L, 0x80000000L}), high.reg());
        assertEquals("memory", high.property("device_type").orElseThrow().string());
    }

    @ParameterizedTest
    @MethodSource("formats")
    void dmaRangesBoardLimitsTheBusToTheFirstGigabyte(String format) {
        DeviceTree t = load("a64-dtb-4G-dmaranges31", format);
        DtNode bus = t.find("/dma-limit-bus").orElseThrow();
        assertTrue(bus.isCompatible("simple-bus"));
        assertTrue(bus.has("ranges") && bus.property("ranges").orElseThrow().isEmpty());
        DtProperty dmaRanges = bus.property("dma-ranges").orElseThrow();
        assertCells(dmaRanges, 0, 0, 0x40000000L, 0x40000000L);
        // (child bus address, parent CPU address, size) with the bus's 1 cell and the root's 2.
        List<long[]> entries = DtNode.entries(dmaRanges, bus.addressCells(), bus.parent().addressCells(),
            bus.sizeCells());
        assertEquals(1, entries.size());
        assertArrayEquals(new long[] {0, 0x40000000L, 0x40000000L}, entries.get(0));
        assertRanges(List.of(new long[] {0x40000000L, 0x100000000L}), t.find("/memory@40000000").orElseThrow().reg());
    }

    @ParameterizedTest
    @MethodSource("formats")
    void reservedMemoryCmaPool(String format) {
        DeviceTree t = load("a64-dtb-2bank-2G+2G-rmcma256M", format);
        DtNode rm = t.find("/reserved-memory").orElseThrow();
        assertEquals(2, rm.addressCells());
        assertEquals(2, rm.sizeCells());
        assertTrue(rm.has("ranges"));
        assertEquals(List.of("linux,cma"), rm.children().stream().map(DtNode::name).toList());
        DtNode cma = rm.children().get(0);
        assertTrue(cma.isCompatible("shared-dma-pool"));
        assertEquals(0x10000000L, cma.property("size").orElseThrow().cells(0, 2));
        assertEquals(0x400000L, cma.property("alignment").orElseThrow().cells(0, 2));
        assertTrue(cma.property("reusable").orElseThrow().isEmpty());
        assertTrue(cma.property("linux,cma-default").orElseThrow().isEmpty());
        assertTrue(cma.reg().isEmpty(), "a dynamically placed pool has no reg");
    }

    @ParameterizedTest
    @MethodSource("formats")
    void smmuIsFoundThroughTheIommuMapPhandle(String format) {
        DeviceTree t = load("a64-4G-smmuv3", format);
        DtNode pcie = t.find("/pcie@10000000").orElseThrow();
        long smmuPhandle = pcie.property("iommu-map").orElseThrow().cell(1);
        DtNode smmu = t.byPhandle(smmuPhandle).orElseThrow();
        assertEquals("/smmuv3@9050000", smmu.path());
        assertTrue(smmu.isCompatible("arm,smmu-v3"));
        assertTrue(smmu.has("dma-coherent"));
    }

    @ParameterizedTest
    @MethodSource("formats")
    void memorySizesOfTheSingleBankBoards(String format) {
        assertRanges(List.of(new long[] {0x40000000L, 0x40000000L}),
            load("a64-1G-default", format).find("/memory@40000000").orElseThrow().reg());
        assertRanges(List.of(new long[] {0x40000000L, 0x200000000L}),
            load("a64-8G-default", format).find("/memory@40000000").orElseThrow().reg());
    }

    @ParameterizedTest
    @MethodSource("formats")
    void commonQemuVirtNodes(String format) {
        DeviceTree t = load("a64-4G-default", format);
        assertEquals("/pl011@9000000", t.find("/chosen").orElseThrow().property("stdout-path").orElseThrow().string());
        assertEquals(List.of("arm,psci-1.0", "arm,psci-0.2", "arm,psci"),
            t.find("/psci").orElseThrow().property("compatible").orElseThrow().strings());
        DtNode gic = t.byPhandle(t.root().property("interrupt-parent").orElseThrow().u32()).orElseThrow();
        assertEquals("/intc@8000000", gic.path());
        assertEquals("/intc@8000000/v2m@8020000", t.byPhandle(0x8003).orElseThrow().path());
        assertEquals(0x8001L, t.find("/cpus/cpu-map/socket0/cluster0/core0").orElseThrow()
            .property("cpu").orElseThrow().u32());
        assertTrue(t.memReserves().isEmpty());
    }

    private static void assertCells(DtProperty p, long... cells) {
        assertEquals(cells.length, p.cellCount(), p.name() + " cell count");
        for (int i = 0; i < cells.length; i++) {
            assertEquals(cells[i], p.cell(i), p.name() + " cell " + i);
        }
    }

    private static void assertRanges(List<long[]> expected, List<long[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "entry " + i);
        }
    }
}
