package org.dmasim.dma.core.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dma.DmaDirection;
import org.junit.jupiter.api.Test;

/** The kernel's hash of entries: buckets of 8 KiB of bus addresses, best-fit lookups, the walk back for syncs. */
class EntryHashTest {
    private final EntryHash hash = new EntryHash();
    private final TestDevice dev = new TestDevice("d");
    private final TestDevice other = new TestDevice("o");

    private DebugEntry entry(TestDevice d, long addr, long size, DmaDirection dir) {
        DebugEntry e = new DebugEntry(d, EntryType.SINGLE, addr, size, dir, 0, 0, addr >>> 12, addr & 0xfff,
            MapErr.NOT_CHECKED, "dma_map_page_attrs", "a test");
        hash.add(e);
        return e;
    }

    private DebugEntry ref(long addr, long size, DmaDirection dir) {
        return DebugEntry.ref(dev, EntryType.SINGLE, addr, size, dir, 0, 0, 0);
    }

    @Test
    void bucketsAreEightKibOfBusAddressesModulo128Mib() {
        assertEquals(0, EntryHash.bucketOf(0x1fff));
        assertEquals(1, EntryHash.bucketOf(0x2000));
        assertEquals(EntryHash.bucketOf(0x4000_2000L), EntryHash.bucketOf(0x4800_2000L), "2^27 apart: one bucket");
    }

    @Test
    void exactLookupsPickTheBestFitOrNothingWhenSeveralFitEquallyBadly() {
        DebugEntry a = entry(dev, 0x1000, 256, DmaDirection.TO_DEVICE);
        DebugEntry c = entry(dev, 0x1000, 512, DmaDirection.FROM_DEVICE);
        entry(other, 0x1000, 256, DmaDirection.TO_DEVICE);
        assertSame(a, hash.findExact(ref(0x1000, 256, DmaDirection.TO_DEVICE)), "perfect fit");
        assertSame(c, hash.findExact(ref(0x1000, 512, DmaDirection.FROM_DEVICE)));
        assertNull(hash.findExact(ref(0x1000, 128, DmaDirection.BIDIRECTIONAL)), "two imperfect matches: none");
        hash.remove(a);
        assertSame(c, hash.findExact(ref(0x1000, 128, DmaDirection.BIDIRECTIONAL)), "a single match, however bad");
    }

    @Test
    void aSyncWalksBackOneBucketAtATime() {
        DebugEntry big = entry(dev, 0x10000, 0x20000, DmaDirection.FROM_DEVICE);
        assertSame(big, hash.findContaining(ref(0x2f000, 0x100, DmaDirection.FROM_DEVICE)), "15 buckets back");
        assertNull(hash.findContaining(ref(0x2ff80, 0x100, DmaDirection.FROM_DEVICE)), "past the end");
        assertNull(hash.findContaining(ref(0x8000, 0x10, DmaDirection.FROM_DEVICE)), "below the start; stops at 0");
    }

    @Test
    void theDumpOrderIsBucketThenInsertion() {
        entry(dev, 0x4000, 1, DmaDirection.TO_DEVICE);
        entry(dev, 0x2000, 1, DmaDirection.TO_DEVICE);
        entry(dev, 0x3000, 1, DmaDirection.TO_DEVICE);
        List<Long> order = new ArrayList<>();
        hash.forEach((e, b) -> order.add(e.devAddr));
        assertEquals(List.of(0x2000L, 0x3000L, 0x4000L), order);
    }
}
