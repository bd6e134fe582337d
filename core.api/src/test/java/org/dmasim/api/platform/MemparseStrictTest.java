package org.dmasim.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** dmasim's rules on top of memparse(): overflow and trailing characters are refused, naming the input. */
class MemparseStrictTest {
    @Test
    void parsesLikeTheKernelStoppingAtTheFirstCharacterItDoesNotTake() {
        assertEquals(new Memparse.Result(64L << 20, 3), Memparse.parse("64M", 0));
        assertEquals(new Memparse.Result(0x4000, 6), Memparse.parse("0x4000@1G", 0));
        assertEquals(new Memparse.Result(8, 3), Memparse.parse("010", 0), "a leading 0 is octal");
        assertEquals(new Memparse.Result(0, 1), Memparse.parse("0x", 0), "0x without a hex digit is the octal 0");
        assertEquals(new Memparse.Result(0, 0), Memparse.parse("xyz", 0));
        assertEquals(new Memparse.Result(0, 1), Memparse.parse("garbage", 0), "like the kernel, a suffix letter is taken even without digits");
        assertEquals(new Memparse.Result(1L << 60, 2), Memparse.parse("1E", 0));
        assertEquals(new Memparse.Result(-1L, 18), Memparse.parse("0xffffffffffffffff", 0), "2^64 - 1 still fits");
    }

    @Test
    void overflowsAgreesWithParse() {
        for (String v : new String[] {"16384P", "16383P", "16E", "15E", "18446744073709551615", "18446744073709551616",
            "0x10000000000000000", "0xffffffffffffffff", "64M"}) {
            boolean threw;
            try {
                Memparse.parse(v, 0);
                threw = false;
            } catch (InvalidInputException e) {
                threw = true;
            }
            assertEquals(Memparse.overflows(v, 0), threw, v);
        }
    }

    @Test
    void aSizeThatOverflows64BitsIsAnErrorNotTheKernelsSilentWrap() {
        InvalidInputException suffix = assertThrows(InvalidInputException.class, () -> Memparse.parse("16384P", 0));
        assertEquals("'16384P' does not fit in 64 bits (Linux would silently wrap it to 0)", suffix.getMessage());
        assertThrows(InvalidInputException.class, () -> Memparse.parse("16E", 0));
        InvalidInputException digits = assertThrows(InvalidInputException.class,
            () -> Memparse.parse("18446744073709551616", 0));
        assertTrue(digits.getMessage().startsWith("'18446744073709551616' does not fit in 64 bits"), digits.getMessage());
        assertThrows(InvalidInputException.class, () -> Memparse.strtoull("0x10000000000000000", 0));
        assertEquals(new Memparse.Result(15L << 60, 3), Memparse.parse("15E", 0));
    }

    @Test
    void aParameterValueWithoutDigitsIsZeroButTrailingCharactersAreRefusedNamingTheParameter() {
        assertEquals(0, Memparse.parseParam("mem", "garbage"));
        assertEquals(0, Memparse.parseParam("mem", ""));
        assertEquals(2L << 30, Memparse.parseParam("mem", "2G"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Memparse.parseParam("mem", "12Q"));
        assertEquals("mem=12Q: invalid size: memparse stops at 'Q' (expected a number with an optional K, M, G, T, P"
            + " or E suffix); Linux would silently use 12 and ignore the rest, dmasim refuses it", e.getMessage());
        InvalidInputException o = assertThrows(InvalidInputException.class, () -> Memparse.parseParam("mem", "16E"));
        assertTrue(o.getMessage().startsWith("mem=16E: '16E' does not fit in 64 bits"), o.getMessage());
    }

    @Test
    void parseSizeNamesItsInputForOverflowToo() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> Memparse.parseSize("mem bank size", "32E"));
        assertTrue(e.getMessage().startsWith("mem bank size: '32E' does not fit in 64 bits"), e.getMessage());
    }
}
