package org.dmasim.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.dmasim.api.platform.E820Entry;
import org.dmasim.api.platform.E820Entry.Type;
import org.junit.jupiter.api.Test;

/** arch/x86/kernel/e820.c's table edits: sanitising, updating and removing ranges. */
class E820TableTest {
    private static E820Entry e(long start, long endInclusive, Type type) {
        return new E820Entry(start, endInclusive, type);
    }

    private static E820Table.Range r(long start, long end, Type type) {
        return new E820Table.Range(start, end, type);
    }

    @Test
    void anOverlapGoesToTheLargerTypeNumberAndNeighboursOfOneTypeMerge() {
        E820Table t = new E820Table(List.of(e(0x0, 0x9ffff, Type.USABLE), e(0x100000, 0x7fffffff, Type.USABLE),
            e(0x80000000L, 0xbfffffffL, Type.USABLE), e(0x9fc00, 0xfffff, Type.RESERVED),
            e(0x10000000, 0x1fffffff, Type.ACPI)));
        assertEquals(List.of(r(0x0, 0x9fc00, Type.USABLE), r(0x9fc00, 0x100000, Type.RESERVED),
            r(0x100000, 0x10000000, Type.USABLE), r(0x10000000, 0x20000000, Type.ACPI),
            r(0x20000000, 0xc0000000L, Type.USABLE)), t.ranges());
    }

    @Test
    void updatingAPartOfARangeSplitsIt() {
        // trim_bios_range(): page 0 becomes reserved.
        E820Table t = new E820Table(List.of(e(0x0, 0x9fbff, Type.USABLE)));
        t.update(0, 0x1000, Type.USABLE, Type.RESERVED);
        assertEquals(List.of(r(0x0, 0x1000, Type.RESERVED), r(0x1000, 0x9fc00, Type.USABLE)), t.ranges());
    }

    @Test
    void updateOnlyTouchesRangesOfTheOldType() {
        E820Table t = new E820Table(List.of(e(0x0, 0xfff, Type.ACPI), e(0x1000, 0x1fff, Type.USABLE)));
        t.update(0, 0x2000, Type.USABLE, Type.RESERVED);
        assertEquals(List.of(r(0x0, 0x1000, Type.ACPI), r(0x1000, 0x2000, Type.RESERVED)), t.ranges());
    }

    @Test
    void removingCutsOutOfRangesOfThatTypeOnly() {
        // The legacy hole 640K-1M and a mem= limit of 2 GiB.
        E820Table t = new E820Table(List.of(e(0x0, 0xfffff, Type.USABLE), e(0x100000, 0xbfffffffL, Type.USABLE),
            e(0xc0000000L, 0xc00fffffL, Type.RESERVED), e(0x100000000L, 0x13fffffffL, Type.USABLE)));
        t.remove(0xa0000, 0x100000, Type.USABLE);
        t.remove(2L << 30, -1L, Type.USABLE);
        assertEquals(List.of(r(0x0, 0xa0000, Type.USABLE), r(0x100000, 0x80000000L, Type.USABLE),
            r(0xc0000000L, 0xc0100000L, Type.RESERVED)), t.ranges());
    }

    @Test
    void theEndOfRamIsTheEndOfTheHighestUsableRange() {
        E820Table t = new E820Table(List.of(e(0x100000, 0xbffdffffL, Type.USABLE),
            e(0x100000000L, 0x13fffffffL, Type.USABLE), e(0xfd00000000L, 0xffffffffffL, Type.RESERVED)));
        assertEquals(0x140000, t.endOfRamPfn(), "reserved ranges above RAM do not count");
    }
}
