package org.dmasim.cma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.platform.InvalidInputException;
import java.util.List;
import org.dmasim.api.platform.Arch;
import org.dmasim.testing.FakeBootContext;
import org.dmasim.testing.FakeMemblock;
import org.dmasim.testing.Specs;
import org.junit.jupiter.api.Test;

/**
 * early_cma() as parse_early_param() runs it: the three forms of cma=, each one folded into the
 * previous state, the kernel's reaction to a bare cma, and the values dmasim refuses.
 */
class CmaParamsTest {
    private static FakeBootContext early(String cmdline) {
        FakeBootContext ctx = new FakeBootContext(Specs.spec(Arch.ARM64, cmdline), FakeMemblock.withMemory(0x40000000L,
            1L << 30)).addEarlyParams(new CmaBoot().earlyParams(Arch.ARM64));
        ctx.parseEarlyParams();
        return ctx;
    }

    private static CmaParams parse(String cmdline) {
        return CmaParams.of(early(cmdline));
    }

    @Test
    void withoutCmaTheCommandLineGivesNothing() {
        assertFalse(parse("console=ttyAMA0 swiotlb=force").given());
        assertEquals(CmaParams.NOT_GIVEN, parse(""));
    }

    @Test
    void sizeAloneLeavesPlacementToTheKernel() {
        CmaParams p = parse("cma=128M");
        assertTrue(p.given());
        assertEquals(128L << 20, p.size());
        assertEquals(0, p.base());
        assertEquals(0, p.limit());
        assertFalse(p.fixed());
    }

    @Test
    void atStartAloneIsAFixedAreaAndAWindowIsNot() {
        CmaParams fixed = parse("cma=64M@0x40000000");
        assertEquals(0x40000000L, fixed.base());
        assertEquals(0x44000000L, fixed.limit(), "limit_cmdline = base + size");
        assertTrue(fixed.fixed());
        CmaParams window = parse("cma=32M@0x50000000-0x60000000");
        assertEquals(0x50000000L, window.base());
        assertEquals(0x60000000L, window.limit());
        assertFalse(window.fixed());
    }

    @Test
    void aLaterCmaChangesTheSizeAndKeepsAnEarlierPlacement() {
        assertEquals(new CmaParams(true, 16L << 20, 0, 0), parse("cma=64M cma=16M"));
        // size_cmdline, base_cmdline and limit_cmdline are static: "cma=16M" sets only the size.
        assertEquals(new CmaParams(true, 16L << 20, 0x50000000L, 0x54000000L), parse("cma=64M@0x50000000 cma=16M"));
    }

    @Test
    void aBareCmaIsReportedAsTheKernelReportsItAndChangesNothing() {
        FakeBootContext ctx = early("cma=32M cma");
        assertEquals(List.of("cma: Config string not provided", "Malformed early option 'cma'"),
            ctx.log().kernelText());
        assertEquals(new CmaParams(true, 32L << 20, 0, 0), CmaParams.of(ctx));
        assertEquals(CmaParams.NOT_GIVEN, parse("cma"));
    }

    @Test
    void anEmptyValueIsSizeZeroAsMemparseReadsIt() {
        assertEquals(new CmaParams(true, 0, 0, 0), parse("cma="));
    }

    @Test
    void trailingGarbageIsRefusedNamingTheValueAndWhereMemparseStops() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> parse("cma=12Q"));
        assertEquals("cma=12Q: invalid size: memparse stops at 'Q' (format: cma=nn[KMG][@start[KMG][-end[KMG]]];"
            + " suffixes K M G T P E)", e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> parse("cma=64M@"));
        assertTrue(e.getMessage().startsWith("cma=64M@: expected a start at ''"), e.getMessage());
    }

    @Test
    void aSizeBeyond64BitsIsAnErrorNotASilentZero() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> parse("cma=16384P"));
        assertEquals("cma=16384P: the size '16384P' does not fit in 64 bits (Linux would silently wrap it to 0)",
            e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> parse("cma=64M@99999999999999999999"));
        assertTrue(e.getMessage().startsWith("cma=64M@99999999999999999999: the start '99999999999999999999' does"
            + " not fit in 64 bits"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> parse("cma=64M@0x40000000-16E"));
        assertTrue(e.getMessage().startsWith("cma=64M@0x40000000-16E: the end '16E'"), e.getMessage());
        assertEquals(15L << 60, parse("cma=15E").size(), "the largest E that fits is taken as it is");
    }
}
