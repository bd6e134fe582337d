package org.dmasim.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.E820Entry;
import org.junit.jupiter.api.Test;

/** arch/x86/kernel/e820.c's table: bounded appends, sanitising, updating and removing ranges. */
class E820TableTest {
    private static final long G = 1L << 30;

    private static E820Entry e(long start, long endInclusive, E820Entry.Type type) {
        return new E820Entry(start, endInclusive, type);
    }

    @Test
    void anOverlapGoesToTheLargerTypeNumberAndNeighboursOfOneTypeMerge() {
        E820Table t = E820Table.firmware(List.of(e(0x0, 0x9ffff, E820Entry.Type.USABLE),
            e(0x100000, 0x7fffffff, E820Entry.Type.USABLE), e(0x80000000L, 0xbfffffffL, E820Entry.Type.USABLE),
            e(0x9fc00, 0xfffff, E820Entry.Type.RESERVED), e(0x10000000, 0x1fffffff, E820Entry.Type.ACPI)), new BootLog());
        assertEquals(List.of(entry(0x0, 0x9fc00, E820Table.RAM), entry(0x9fc00, 0x100000 - 0x9fc00, E820Table.RESERVED),
            entry(0x100000, 0x10000000 - 0x100000, E820Table.RAM), entry(0x10000000, 0x10000000, E820Table.ACPI),
            entry(0x20000000, 0xc0000000L - 0x20000000, E820Table.RAM)), t.entries());
    }

    @Test
    void updatingAPartOfARangeSplitsItOnlyForTheOldType() {
        // trim_bios_range(): page 0 becomes reserved; ACPI data next to it is left alone.
        E820Table t = E820Table.firmware(List.of(e(0x0, 0x9fbff, E820Entry.Type.USABLE),
            e(0xa0000, 0xa0fff, E820Entry.Type.ACPI)), new BootLog());
        t.rangeUpdate(0, 0xa1000, E820Table.RAM, E820Table.RESERVED);
        t.updateTable();
        assertEquals(List.of(entry(0x0, 0x9fc00, E820Table.RESERVED), entry(0xa0000, 0x1000, E820Table.ACPI)),
            t.entries());
    }

    @Test
    void updatingTheFirstPageOfARamEntrySplitsIt() {
        // trim_bios_range(): page 0 becomes reserved, the rest of the entry stays RAM.
        E820Table t = E820Table.firmware(List.of(e(0x0, 0x9fbff, E820Entry.Type.USABLE)), new BootLog());
        assertEquals(0x1000, t.rangeUpdate(0, 0x1000, E820Table.RAM, E820Table.RESERVED));
        t.updateTable();
        assertEquals(List.of(entry(0x0, 0x1000, E820Table.RESERVED), entry(0x1000, 0x9fc00 - 0x1000, E820Table.RAM)),
            t.entries());
    }

    @Test
    void removingCutsOutOfRangesOfThatTypeOnlyAndTheEndOfRamFollows() {
        // The legacy hole 640K-1M and a mem= limit of 2 GiB.
        E820Table t = E820Table.firmware(List.of(e(0x0, 0xfffff, E820Entry.Type.USABLE),
            e(0x100000, 0xbfffffffL, E820Entry.Type.USABLE), e(0xc0000000L, 0xc00fffffL, E820Entry.Type.RESERVED),
            e(0x100000000L, 0x13fffffffL, E820Entry.Type.USABLE)), new BootLog());
        assertEquals(0x140000, t.endOfRamPfn());
        t.rangeRemove(0xa0000, 0x60000, E820Table.RAM, true);
        t.rangeRemove(2L << 30, -1L, E820Table.RAM, true);
        t.updateTable();
        assertEquals(List.of(entry(0x0, 0xa0000, E820Table.RAM), entry(0x100000, 0x80000000L - 0x100000, E820Table.RAM),
            entry(0xc0000000L, 0x100000, E820Table.RESERVED)), t.entries());
        assertEquals(0x80000, t.endOfRamPfn(), "reserved ranges above RAM do not count");
    }

    private static E820Table.Entry entry(long addr, long size, int type) {
        return new E820Table.Entry(addr, size, type);
    }

    @Test
    void overlapsGoToTheLargerTypeAndNeighboursOfOneTypeMerge() {
        E820Table t = new E820Table(new BootLog());
        t.rangeAdd(0, 4 * G, E820Table.RAM);
        t.rangeAdd(G, G, E820Table.RESERVED);
        t.rangeAdd(4 * G, G, E820Table.RAM);
        assertTrue(t.updateTable());
        assertEquals(List.of(entry(0, G, E820Table.RAM), entry(G, G, E820Table.RESERVED),
            entry(2 * G, 3 * G, E820Table.RAM)), t.entries());
    }

    @Test
    void persistentMemoryOverRamIsSplitOutAndNotMergedAcrossChangePoints() {
        // memmap=8G!8G on a machine with RAM up to 9 GiB, as on the real server.
        E820Table t = new E820Table(new BootLog());
        t.rangeAdd(0, 9 * G, E820Table.RAM);
        t.rangeAdd(8 * G, 8 * G, E820Table.PRAM);
        assertTrue(t.updateTable());
        assertEquals(List.of(entry(0, 8 * G, E820Table.RAM), entry(8 * G, G, E820Table.PRAM),
            entry(9 * G, 7 * G, E820Table.PRAM)), t.entries(), "e820_nomerge keeps type 12 apart at every change point");
    }

    @Test
    void aTableOfOneEntryOrOneThatWrapsIsLeftAlone() {
        E820Table one = new E820Table(new BootLog());
        one.rangeAdd(0, G, E820Table.RAM);
        assertFalse(one.updateTable());
        E820Table wraps = new E820Table(new BootLog());
        wraps.rangeAdd(0, G, E820Table.RAM);
        wraps.rangeAdd(-G, 2 * G, E820Table.RESERVED);
        assertFalse(wraps.updateTable());
        assertEquals(2, wraps.size());
    }

    @Test
    void updateAndRemoveEditOnlyTheirTypeAndSplitEntries() {
        E820Table t = new E820Table(new BootLog());
        t.rangeAdd(0, 4 * G, E820Table.RAM);
        t.rangeAdd(4 * G, G, E820Table.ACPI);
        assertEquals(G, t.rangeUpdate(G, G, E820Table.RAM, E820Table.RESERVED));
        assertEquals(0, t.rangeRemove(4 * G, G, E820Table.RAM, true), "type-checked: ACPI data stays");
        assertEquals(G, t.rangeRemove(4 * G, G, 0, false));
        assertTrue(t.updateTable());
        assertEquals(List.of(entry(0, G, E820Table.RAM), entry(G, G, E820Table.RESERVED),
            entry(2 * G, 2 * G, E820Table.RAM)), t.entries());
    }

    @Test
    void theTableHoldsE820MaxEntriesAndDropsTheRestWithTheKernelsError() {
        BootLog log = new BootLog();
        List<E820Entry> map = new ArrayList<>();
        for (int i = 0; i < E820Table.E820_MAX_ENTRIES + 5; i++) {
            map.add(new E820Entry(i * 0x2000L, i * 0x2000L + 0xfff, i % 2 == 0 ? E820Entry.Type.USABLE
                : E820Entry.Type.RESERVED));
        }
        E820Table t = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> E820Table.firmware(map, log));
        assertEquals(3200, E820Table.E820_MAX_ENTRIES);
        assertEquals(E820Table.E820_MAX_ENTRIES, t.size());
        List<String> errors = log.kernelText();
        assertEquals(5, errors.size());
        assertEquals(String.format("too many entries; ignoring [mem %#010x-%#010x]", 3200 * 0x2000L,
            3200 * 0x2000L + 0xfff), errors.get(0));
        assertTrue(log.lines().get(5).text().contains("5 more ranges were dropped"), log.lines().get(5).text());
    }

    @Test
    void aMillionEntryMapStaysFast() {
        List<E820Entry> map = new ArrayList<>();
        for (int i = 0; i < 1_000_000; i++) {
            map.add(new E820Entry(i * 0x2000L, i * 0x2000L + 0xfff, E820Entry.Type.USABLE));
        }
        BootLog log = new BootLog();
        E820Table t = assertTimeoutPreemptively(Duration.ofSeconds(3), () -> E820Table.firmware(map, log));
        assertEquals(E820Table.E820_MAX_ENTRIES, t.size());
        assertEquals(E820Table.DROPS_PRINTED, log.kernelText().size(), "the kernel's line for the first drops only");
    }

    @Test
    void typesPrintAsE820PrintTypeDoes() {
        assertEquals("usable", E820Table.typeName(E820Table.RAM));
        assertEquals("persistent (type 12)", E820Table.typeName(E820Table.PRAM));
        assertEquals("soft reserved", E820Table.typeName(E820Table.SOFT_RESERVED));
        assertEquals("type 9", E820Table.typeName(9));
        assertEquals(0xefffffff, E820Table.typeNumber(E820Entry.Type.SOFT_RESERVED));
    }
}
