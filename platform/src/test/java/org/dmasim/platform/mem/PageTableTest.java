package org.dmasim.platform.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.dmasim.api.boot.Memblock;
import org.junit.jupiter.api.Test;

class PageTableTest {
    /** Two banks, the first ending inside a page (e820-like), the second far above. */
    private static final List<Memblock.Region> RAM = List.of(
        new Memblock.Region(0x1000, 0x9f000 - 0x1000 + 0xc00, 0),
        new Memblock.Region(0x100000000L, 0x40000000L, 0));

    /** {@link PageTable#floor}: the scan of a short list and the search of a long one agree with the definition. */
    @Test
    void floorFindsTheLastStartAtOrBelowTheKey() {
        java.util.Random rnd = new java.util.Random(7);
        for (int n : new int[] {1, 3, 8, 9, 40}) {
            long[] starts = new long[n];
            long at = rnd.nextInt(100);
            for (int i = 0; i < n; i++) {
                starts[i] = at;
                at += 1 + rnd.nextInt(1000);
            }
            for (int k = 0; k < 2000; k++) {
                long key = rnd.nextInt((int) at + 200) - 100;
                int expected = -1;
                for (int i = 0; i < n; i++) {
                    if (starts[i] <= key) {
                        expected = i;
                    }
                }
                assertEquals(expected, PageTable.floor(starts, key), n + " starts, key " + key);
            }
        }
    }

    @Test
    void pagesOfRamOnly_partialPagesIncluded_othersAbsent() {
        PageTable<String> t = new PageTable<>(RAM);
        assertNull(t.get(0x1));
        assertEquals("a", t.computeIfAbsent(0x1, pfn -> "a"));
        assertEquals("b", t.computeIfAbsent(0x9f, pfn -> "b"), "the page holding the bank's last bytes");
        assertEquals("c", t.computeIfAbsent(0x13ffff, pfn -> "c"));
        assertEquals("a", t.computeIfAbsent(0x1, pfn -> "not made again"));
        assertNull(t.get(0x0), "below RAM");
        assertNull(t.get(0xa0), "the hole");
        assertNull(t.get(0x140000), "above RAM");
        assertThrows(IllegalArgumentException.class, () -> t.computeIfAbsent(0xa0, pfn -> "x"));
        assertEquals(3, t.size());
    }

    @Test
    void remove_exactOrAny_andSizeFollows() {
        PageTable<String> t = new PageTable<>(RAM);
        String a = t.computeIfAbsent(0x100000, pfn -> "a");
        t.computeIfAbsent(0x100001, pfn -> "b");
        assertFalse(t.remove(0x100000, "other"));
        assertTrue(t.remove(0x100000, a));
        assertNull(t.get(0x100000));
        t.remove(0x100001);
        t.remove(0x100001);
        t.remove(0xa0);
        assertEquals(0, t.size());
    }

    @Test
    void forEach_visitsPresentPagesOfTheRangeInOrder_acrossChunksAndBanks() {
        PageTable<Long> t = new PageTable<>(RAM);
        long[] pfns = {0x2, 0x50, 0x100000, 0x100000 + PageTable.CHUNK - 1, 0x100000 + PageTable.CHUNK, 0x13ffff};
        for (long p : pfns) {
            t.computeIfAbsent(p, pfn -> pfn);
        }
        List<Long> seen = new ArrayList<>();
        t.forEach(0x3, 0x100000 + PageTable.CHUNK, (pfn, v) -> {
            assertEquals(pfn, v);
            seen.add(pfn);
        });
        assertEquals(List.of(0x50L, 0x100000L, 0x100000L + PageTable.CHUNK - 1, 0x100000L + PageTable.CHUNK), seen);
        assertEquals(List.of(0x2L, 0x50L, 0x100000L, 0x100000L + PageTable.CHUNK - 1, 0x100000L + PageTable.CHUNK,
            0x13ffffL), t.values());
    }

    @Test
    void touchingBanksShareTheirBoundaryPage() {
        PageTable<String> t = new PageTable<>(List.of(new Memblock.Region(0x1000, 0x1800, 0),
            new Memblock.Region(0x2800, 0x800, 0)));
        String p = t.computeIfAbsent(0x2, pfn -> "page 2");
        assertSame(p, t.get(0x2), "one page, whichever bank's bytes it holds");
        assertEquals(1, t.size());
    }

    @Test
    void racingMakersAgreeOnOneWinner() throws Exception {
        PageTable<Object> t = new PageTable<>(RAM);
        int threads = 4;
        CountDownLatch go = new CountDownLatch(1);
        Set<Object> got = ConcurrentHashMap.newKeySet();
        List<Thread> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (long pfn = 0x100000; pfn < 0x100000 + 3 * PageTable.CHUNK; pfn++) {
                    got.add(t.computeIfAbsent(pfn, p -> new Object()));
                }
            });
            th.start();
            all.add(th);
        }
        go.countDown();
        for (Thread th : all) {
            th.join();
        }
        assertEquals(3 * PageTable.CHUNK, got.size(), "every caller of a pfn got the one object that stayed");
        assertEquals(3 * PageTable.CHUNK, t.size());
    }
}
