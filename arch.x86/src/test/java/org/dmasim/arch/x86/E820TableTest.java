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

class E820TableTest {
    private static final long G = 1L << 30;

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
