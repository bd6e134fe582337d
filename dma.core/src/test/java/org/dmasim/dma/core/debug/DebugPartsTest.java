package org.dmasim.dma.core.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelVersion;
import org.junit.jupiter.api.Test;

/** The small parts of DMA-API debugging: cacheline counting, the driver filter, the parsers, the per-kernel texts. */
class DebugPartsTest {
    private final TestDevice dev = new TestDevice("d");

    private DebugEntry at(long pfn, long offset, DmaDirection dir) {
        return new DebugEntry(dev, EntryType.SINGLE, pfn << 12, 64, dir, 0, 0, pfn, offset, MapErr.NOT_CHECKED, "x",
            "y");
    }

    @Test
    void cachelineOverlapsCountToSevenAndUnwind() {
        ActiveCachelines lines = new ActiveCachelines();
        int[] exceeded = new int[1];
        DebugEntry e = at(0x42400, 0x80, DmaDirection.FROM_DEVICE);
        assertEquals(0x42400L * 64 + 2, e.cacheline());
        assertEquals(0, lines.insert(e, () -> exceeded[0]++));
        for (int i = 1; i <= 8; i++) {
            assertEquals(ActiveCachelines.EEXIST, lines.insert(e, () -> exceeded[0]++));
        }
        assertEquals(7, lines.overlapOf(e.cacheline()), "three tag bits");
        assertEquals(1, exceeded[0]);
        for (int i = 0; i < 8; i++) {
            lines.remove(e);
        }
        assertEquals(-1, lines.overlapOf(e.cacheline()), "the saturated line goes before its ninth mapping");
        assertEquals(0, lines.insert(at(0x1, 0, DmaDirection.TO_DEVICE), () -> { }));
        assertEquals(0, lines.insert(at(0x1, 0, DmaDirection.TO_DEVICE), () -> { }), "TO_DEVICE is not tracked");
    }

    @Test
    void theDriverFilterParsesAsFilterWriteDoes() {
        DriverFilter f = new DriverFilter();
        assertTrue(f.passes(dev), "off: everyone passes");
        assertEquals(List.of("enable driver filter for driver [e1000e]"), f.write("e1000e tail\n"));
        assertTrue(!f.passes(dev), "no driver bound: never passes an active filter");
        dev.driver = "e1000e";
        assertTrue(f.passes(dev));
        assertEquals(List.of("switching off dma-debug driver filter"), f.write(" e1000e"));
        assertEquals(List.of(), f.write("-"), "already off: silent");
        String longName = "x".repeat(80);
        f.write(longName);
        assertEquals("x".repeat(63) + "\n", f.read());
    }

    @Test
    void parsersReadNumbersAsTheKernelDoes() {
        assertEquals(OptionalLong.of(64), DmaDebug.getOption("64"));
        assertEquals(OptionalLong.of(0x40), DmaDebug.getOption("0x40"));
        assertEquals(OptionalLong.of(8), DmaDebug.getOption("010"));
        assertEquals(OptionalLong.of(12), DmaDebug.getOption("12k"), "simple_strtoull stops at the first non-digit");
        assertEquals(OptionalLong.empty(), DmaDebug.getOption("k12"));
        assertEquals(OptionalLong.of(-5), DmaDebug.getOption("-5"));
        assertEquals(10, DmaDebug.kstrtoull("num_errors", "+10\n"));
        assertThrows(IllegalArgumentException.class, () -> DmaDebug.kstrtoull("num_errors", "10 "));
        assertThrows(IllegalArgumentException.class, () -> DmaDebug.kstrtoull("num_errors", "0x"));
    }

    @Test
    void textsPerKernel() {
        DebugEntry e = new DebugEntry(dev, EntryType.SG, 0x42400000L, 0x200, DmaDirection.FROM_DEVICE, 2, 2, 0x42400,
            0x80, MapErr.NOT_APPLICABLE, "x", "y");
        assertEquals("platform d scather-gather idx 4608 P=42400080 N=42400 D=42400000 L=200 DMA_FROM_DEVICE dma map"
            + " error check not applicable", DebugRules.of(KernelVersion.parse("6.1")).dumpLine(e, 4608));
        assertEquals("platform d scatter-gather idx 4608 P=42400080 N=42400 D=42400000 L=200 cln=0x0000000001090002"
            + " DMA_FROM_DEVICE dma map error check not applicable", DebugRules.of(KernelVersion.parse("6.12")).dumpLine(e, 4608));
        assertTrue(assertThrows(InvalidInputException.class, () -> DebugRules.of(KernelVersion.parse("5.10"))).getMessage()
            .contains("DMA-API debugging models 6.1, 6.12 only"));
    }
}
