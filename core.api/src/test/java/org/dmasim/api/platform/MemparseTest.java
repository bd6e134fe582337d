package org.dmasim.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** memparse()'s notation, and where its unsigned long long arithmetic would wrap. */
class MemparseTest {
    @Test
    void parsesCNotationWithSuffixes() {
        assertEquals(new Memparse.Result(64L << 20, 3), Memparse.parse("64M", 0));
        assertEquals(new Memparse.Result(0x4000000L, 9), Memparse.parse("0x4000000", 0));
        assertEquals(new Memparse.Result(8, 3), Memparse.parse("010", 0), "a leading 0 is octal");
        assertEquals(new Memparse.Result(1L << 60, 2), Memparse.parse("1E", 0));
        assertEquals(new Memparse.Result(12, 2), Memparse.parse("12Q", 0), "an unknown suffix is not taken");
        assertEquals(new Memparse.Result(0, 1), Memparse.parse("0x", 0), "0x without hex digits is the number 0");
    }

    @Test
    void overflowIsDetectedInTheDigitsAndInTheSuffixShift() {
        assertTrue(Memparse.overflows("16384P", 0), "2^14 << 50 = 2^64");
        assertFalse(Memparse.overflows("16383P", 0));
        assertTrue(Memparse.overflows("16E", 0));
        assertFalse(Memparse.overflows("15E", 0));
        assertFalse(Memparse.overflows("18446744073709551615", 0), "2^64 - 1 still fits");
        assertTrue(Memparse.overflows("18446744073709551616", 0));
        assertTrue(Memparse.overflows("0x10000000000000000", 0));
        assertFalse(Memparse.overflows("0xffffffffffffffff", 0));
        assertTrue(Memparse.overflows("64M@16384P", 4), "from an offset");
        assertFalse(Memparse.overflows("64M@0x40000000", 0));
    }
}
