package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.junit.jupiter.api.Test;

/**
 * The compact table of dma-direct single mappings against a plain model: seeded random adds, owner
 * unmaps and removals by control word with colliding and repeated keys, growth, and tombstones
 * emptied at the end of a run; and an owner racing a remover and a reader on another thread.
 */
class DirectSingleTableTest {
    /** One live entry of the model. */
    private record Live(long dma, long phys, long size, DmaDirection dir, long attrs) {
    }

    private static final DmaDirection[] DIRS = {DmaDirection.BIDIRECTIONAL, DmaDirection.TO_DEVICE,
        DmaDirection.FROM_DEVICE};

    @Test
    void randomOperationsAgreeWithAHashMapModel() {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("DirectSingleTableTest seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        int ops = Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 100_000;
        Random rnd = new Random(seed);
        DirectSingleTable table = new DirectSingleTable();
        Map<Long, Live> model = new HashMap<>(); // by control word
        Map<Long, Set<Long>> byDma = new HashMap<>();
        List<Long> words = new ArrayList<>();
        int maxCapacity = 0;
        for (int op = 0; op < ops; op++) {
            String where = "seed " + seed + " op " + op;
            // keys from a small page-aligned range (colliding runs, repeats); the live count drifts
            long dma = 0x1_0000_0000L + ((long) rnd.nextInt(op % 20_000 < 10_000 ? 512 : 4096) << 12);
            int r = rnd.nextInt(100);
            if (words.isEmpty() || r < 50 - (words.size() > 2000 ? 10 : 0)) {
                Live e = new Live(dma, dma - 0x40_0000L, 1 + rnd.nextInt(rnd.nextBoolean() ? 4096 : 65536),
                    DIRS[rnd.nextInt(3)], rnd.nextBoolean() ? 0 : DmaAttrs.SKIP_CPU_SYNC | DmaAttrs.PRIVILEGED);
                long word = table.add(e.dma(), e.phys(), e.size(), e.dir(), e.attrs());
                assertTrue(model.put(word, e) == null, where + ": a control word is never reused");
                byDma.computeIfAbsent(e.dma(), k -> new HashSet<>()).add(word);
                words.add(word);
            } else if (r < 80) {
                // the owner's unmap: the one entry at the address, of that size
                long key = rnd.nextInt(4) == 0 ? dma : model.get(words.get(rnd.nextInt(words.size()))).dma();
                List<Long> at = new ArrayList<>(live(byDma, key));
                long size = at.size() == 1 && rnd.nextInt(8) != 0 ? model.get(at.get(0)).size() : 1 + rnd.nextInt(4096);
                boolean expect = at.size() == 1 && model.get(at.get(0)).size() == size;
                assertEquals(expect, table.takeOwn(key, size), where);
                if (expect) {
                    model.remove(at.get(0));
                    byDma.get(key).remove(at.get(0));
                    words.remove(at.get(0));
                }
            } else {
                // a removal by control word (a view's, or another thread's), twice
                int i = rnd.nextInt(words.size());
                long word = words.get(i);
                Live e = model.remove(word);
                byDma.get(e.dma()).remove(word);
                words.set(i, words.get(words.size() - 1));
                words.remove(words.size() - 1);
                assertTrue(table.remove(e.dma(), word), where);
                assertFalse(table.remove(e.dma(), word), where + ": removed once only");
            }
            maxCapacity = Math.max(maxCapacity, table.capacity());
            assertEquals(live(byDma, dma), set(table.at(dma)), where + " at 0x" + Long.toHexString(dma));
            assertEquals(!live(byDma, dma).isEmpty(), table.anyAt(dma), where);
            if (op % 997 == 0) {
                for (DirectSingleTable.Entry e : table.all()) {
                    Live m = model.get(e.ctrl());
                    assertEquals(new Live(e.dma(), e.phys(), e.size(), e.dir(), e.attrs()), m, where);
                }
                assertEquals(model.keySet(), set(table.all()), where);
            }
        }
        assertTrue(maxCapacity > 1024, "the table grew: " + maxCapacity);
    }

    private static Set<Long> live(Map<Long, Set<Long>> byDma, long dma) {
        return byDma.getOrDefault(dma, Set.of());
    }

    private static Set<Long> set(List<DirectSingleTable.Entry> entries) {
        Set<Long> out = new HashSet<>();
        entries.forEach(e -> out.add(e.ctrl()));
        assertEquals(entries.size(), out.size(), "each entry once");
        return out;
    }

    @Test
    void mapUnmapPairsLeaveNoTombstonesBehind() {
        DirectSingleTable table = new DirectSingleTable();
        int initial = table.capacity();
        for (int i = 0; i < 100_000; i++) {
            table.add(0x8000_0000L, 0x8000_0000L, 4096, DmaDirection.TO_DEVICE, 0);
            assertTrue(table.takeOwn(0x8000_0000L, 4096));
        }
        // a ring of 64 buffers, unmapped in the order they were mapped
        long[] ring = new long[64];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = 0x1_0000_0000L + ((long) i << 12);
            table.add(ring[i], ring[i], 2048, DmaDirection.FROM_DEVICE, 0);
        }
        int grown = table.capacity();
        for (int round = 0; round < 10_000; round++) {
            int i = round % ring.length;
            assertTrue(table.takeOwn(ring[i], 2048));
            table.add(ring[i], ring[i], 2048, DmaDirection.FROM_DEVICE, 0);
        }
        assertEquals(16, initial);
        assertTrue(grown >= 128 && grown <= 256, "64 live entries: " + grown + " slots");
        assertEquals(grown, table.capacity(), "no growth from tombstones");
        for (long dma : ring) {
            assertTrue(table.takeOwn(dma, 2048));
        }
        assertTrue(table.all().isEmpty());
    }

    @Test
    void theControlWordKeepsDirectionAndAttributes() {
        DirectSingleTable table = new DirectSingleTable();
        long attrs = DmaAttrs.SKIP_CPU_SYNC | DmaAttrs.WEAK_ORDERING | DmaAttrs.PRIVILEGED;
        table.add(0x1000, 0x2000, 300, DmaDirection.FROM_DEVICE, attrs);
        DirectSingleTable.Entry e = table.at(0x1000).get(0);
        assertEquals(DmaDirection.FROM_DEVICE, e.dir());
        assertEquals(attrs, e.attrs());
        assertEquals(0x2000, e.phys());
        assertEquals(300, e.size());
        assertTrue(e.contains(0x1000 + 299, 1));
        assertFalse(e.contains(0x1000 + 299, 2));
        assertTrue(DirectSingleTable.fits(DmaAttrs.PRIVILEGED | DmaAttrs.NO_WARN));
        assertFalse(DirectSingleTable.fits(1L << 40), "attributes beyond the kernel's go the Mapping way");
        assertFalse(DirectSingleTable.fits(-1));
    }

    @Test
    void anotherThreadRemovesAndReadsWhileTheOwnerMapsAndGrows() throws Exception {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("DirectSingleTableTest concurrent seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        int ops = Boolean.getBoolean("dmasim.longTests") ? 2_000_000 : 200_000;
        DirectSingleTable table = new DirectSingleTable();
        ConcurrentLinkedQueue<long[]> handed = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        Throwable[] failure = new Throwable[1];
        Thread owner = new Thread(() -> {
            try {
                Random rnd = new Random(seed);
                List<long[]> mine = new ArrayList<>();
                for (int op = 0; op < ops; op++) {
                    int r = rnd.nextInt(100);
                    if (mine.isEmpty() || r < 50) {
                        long dma = 0x1_0000_0000L + ((long) rnd.nextInt(1 << 14) << 12);
                        // phys and size are functions of the address: a torn read shows
                        long word = table.add(dma, dma ^ 0x5555_0000L, (dma >>> 12) & 0xffff, DmaDirection.TO_DEVICE, 0);
                        mine.add(new long[] {dma, word});
                    } else if (r < 75) {
                        long[] e = mine.remove(rnd.nextInt(mine.size()));
                        if (!table.takeOwn(e[0], (e[0] >>> 12) & 0xffff) && !table.remove(e[0], e[1])) {
                            throw new AssertionError("lost 0x" + Long.toHexString(e[0]));
                        }
                    } else {
                        handed.add(mine.remove(rnd.nextInt(mine.size())));
                    }
                }
                handed.addAll(mine);
            } catch (Throwable e) {
                failure[0] = e;
            } finally {
                done.set(true);
            }
        });
        long[] removed = new long[1];
        Thread other = new Thread(() -> {
            try {
                while (!done.get() || !handed.isEmpty()) {
                    long[] e = handed.poll();
                    if (e != null) {
                        if (!table.remove(e[0], e[1])) {
                            throw new AssertionError("lost handed 0x" + Long.toHexString(e[0]));
                        }
                        removed[0]++;
                        continue;
                    }
                    for (DirectSingleTable.Entry x : table.all()) {
                        if (x.phys() != (x.dma() ^ 0x5555_0000L) || x.size() != ((x.dma() >>> 12) & 0xffff)) {
                            throw new AssertionError("torn entry " + x);
                        }
                    }
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        owner.start();
        other.start();
        owner.join();
        other.join();
        if (failure[0] != null) {
            throw new AssertionError("seed " + seed, failure[0]);
        }
        assertTrue(removed[0] > 0);
        assertTrue(table.all().isEmpty(), "seed " + seed);
    }
}
