package org.dmasim.cma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelCmdline;
import org.junit.jupiter.api.Test;

/** early_cma(): the three forms of cma=, the last one winning, and the values dmasim refuses. */
class CmaParamsTest {
    private static CmaParams parse(String cmdline) {
        return CmaParams.parse(KernelCmdline.parse(cmdline));
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
    void theLastCmaWins() {
        assertEquals(16L << 20, parse("cma=64M cma=16M").size());
    }

    @Test
    void trailingGarbageIsRefusedNamingTheValueAndWhereMemparseStops() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> parse("cma=12Q"));
        assertEquals("cma=12Q: invalid size: memparse stops at 'Q' (format: cma=nn[KMG][@start[KMG][-end[KMG]]];"
            + " suffixes K M G T P E)", e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> parse("cma=64M@"));
        assertTrue(e.getMessage().startsWith("cma=64M@: expected a start at ''"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> parse("cma="));
        assertTrue(e.getMessage().startsWith("cma: Config string not provided"), e.getMessage());
    }

    @Test
    void aSizeBeyond64BitsIsAnErrorNotASilentZero() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> parse("cma=16384P"));
        assertEquals("cma=16384P: the size '16384P' does not fit in 64 bits (Linux 6.1 would silently wrap it to 0)",
            e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> parse("cma=64M@99999999999999999999"));
        assertTrue(e.getMessage().startsWith("cma=64M@99999999999999999999: the start '99999999999999999999' does"
            + " not fit in 64 bits"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> parse("cma=64M@0x40000000-16E"));
        assertTrue(e.getMessage().startsWith("cma=64M@0x40000000-16E: the end '16E'"), e.getMessage());
        assertEquals(15L << 60, parse("cma=15E").size(), "the largest E that fits is taken as it is");
    }
}
