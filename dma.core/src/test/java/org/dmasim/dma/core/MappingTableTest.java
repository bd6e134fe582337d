package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.StreamingMapping;
import org.junit.jupiter.api.Test;

/**
 * The per-device mapping table against a plain model: seeded random adds and removes with
 * colliding keys, duplicates at one address, growth and backward-shift deletion; every lookup
 * agrees with the model after every step.
 */
class MappingTableTest {
    private static Mapping mapping(long dma, long size) {
        Mapping m = new Mapping(null, StreamingMapping.Kind.SINGLE, dma, size, DmaDirection.TO_DEVICE, 0, null, null, 0);
        m.dmaHandle = dma;
        return m;
    }

    /**
     * A thread whose every map has a new bus address (a swiotlb bounce walks the pool) and unmaps
     * before the next: each unmap ends its probe run, so its slot goes back to null and the table
     * never fills with tombstones (a full table would be rebuilt every few maps).
     */
    @Test
    void theOwnersUnmapAtTheEndOfARunLeavesTheTableEmpty() {
        MappingTable table = new MappingTable();
        int capacity = table.capacity();
        Mapping resident = mapping(0x10000000L, 4096); // in the front: what follows goes to the slots
        table.add(resident);
        for (int i = 0; i < 10_000; i++) {
            Mapping m = mapping(0x40000000L + i * 0x800L, 2048);
            table.add(m);
            assertSame(m, table.takeSingle(m.dmaHandle, StreamingMapping.Kind.SINGLE, 2048, true));
            assertFalse(table.anyAt(m.dmaHandle), "after unmap " + i);
        }
        assertEquals(capacity, table.capacity(), "never rebuilt into a larger array");
        assertTrue(table.remove(resident.dmaHandle, resident));
        assertTrue(table.ownerEmpty(), "no slot left in use: every unmap emptied its slot");
        // Inside a run: a tombstone stays until the run's end goes, then the run empties backwards.
        Mapping[] run = new Mapping[3];
        long key = 0x1000;
        for (int i = 0; i < run.length; i++) {
            run[i] = mapping(key, 512 << i); // one address: one run of three slots
            table.add(run[i]);
        }
        assertNull(table.takeSingle(key, StreamingMapping.Kind.SINGLE, 512, true), "three at the address: the slow path picks");
        assertTrue(table.remove(key, run[0]));
        assertTrue(table.remove(key, run[1]));
        assertFalse(table.ownerEmpty(), "two tombstones before the live third");
        assertSame(run[2], table.takeSingle(key, StreamingMapping.Kind.SINGLE, 2048, true));
        assertTrue(table.ownerEmpty(), "the last of the run took the tombstones before it along");
    }

    @Test
    void randomAddsAndRemovesAgreeWithAModel() {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("MappingTableTest seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        int ops = Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 100_000;
        Random rnd = new Random(seed);
        MappingTable table = new MappingTable();
        Map<Long, List<Mapping>> model = new HashMap<>();
        List<Mapping> live = new ArrayList<>();
        for (int op = 0; op < ops; op++) {
            if (live.isEmpty() || rnd.nextInt(100) < 55) {
                // keys from a small page-aligned range: many collide in the probe sequence, some repeat
                long dma = 0x40000000L + ((long) rnd.nextInt(4096) << 12);
                Mapping m = mapping(dma, 1 + rnd.nextInt(8192));
                table.add(m);
                model.computeIfAbsent(dma, k -> new ArrayList<>()).add(m);
                live.add(m);
            } else {
                int i = rnd.nextInt(live.size());
                Mapping m = live.get(i);
                live.set(i, live.get(live.size() - 1));
                live.remove(live.size() - 1);
                assertTrue(table.remove(m.dmaHandle, m), "seed " + seed + " op " + op);
                assertFalse(table.remove(m.dmaHandle, m), "removed once only");
                List<Mapping> at = model.get(m.dmaHandle);
                at.remove(m);
                if (at.isEmpty()) {
                    model.remove(m.dmaHandle);
                }
            }
            if (op % 1009 == 0 || live.size() < 4) {
                check(table, model, seed, op);
            }
        }
        check(table, model, seed, ops);
        for (Mapping m : new ArrayList<>(live)) {
            assertTrue(table.remove(m.dmaHandle, m));
        }
        assertTrue(table.isEmpty());
    }

    private static void check(MappingTable table, Map<Long, List<Mapping>> model, long seed, int op) {
        int total = 0;
        for (Map.Entry<Long, List<Mapping>> e : model.entrySet()) {
            Mapping[] at = table.at(e.getKey());
            assertEquals(!e.getValue().isEmpty(), table.ownerSeesAnyAt(e.getKey()), "seed " + seed + " op " + op);
            assertEquals(e.getValue().size(), at.length, "seed " + seed + " op " + op + " key " + e.getKey());
            Map<Mapping, Boolean> ids = new IdentityHashMap<>();
            for (Mapping m : at) {
                ids.put(m, true);
            }
            for (Mapping m : e.getValue()) {
                assertTrue(ids.containsKey(m));
            }
            if (at.length == 1) {
                assertSame(at[0], table.single(e.getKey()));
            } else {
                assertNull(table.single(e.getKey()));
            }
            total += at.length;
        }
        assertEquals(total, table.all().size());
    }

    @Test
    void theOwnersShortcutAgreesWithAProbeBeforeAndAfterTheFirstMapping() {
        MappingTable table = new MappingTable();
        assertFalse(table.ownerSeesAnyAt(0x5000), "a table never written holds nothing");
        Mapping a = mapping(0x5000, 0x1000);
        table.add(a);
        assertTrue(table.ownerSeesAnyAt(0x5000));
        assertFalse(table.ownerSeesAnyAt(0x6000), "another address: the probe answers");
        assertTrue(table.remove(0x5000, a));
        assertFalse(table.ownerSeesAnyAt(0x5000), "a tombstone is not a mapping");
        table.add(a); // into the tombstone: the shortcut must not take the table for empty
        assertTrue(table.ownerSeesAnyAt(0x5000));
    }

    /**
     * The front: the owner's mapping while nothing else is registered, taken by the owner or any
     * other thread, seen by every look-up first; a second mapping at its address goes to the
     * slots, and then neither is the only one there.
     */
    @Test
    void theFrontHoldsTheOwnersOnlyMappingAndEveryLookUpSeesIt() {
        MappingTable table = new MappingTable();
        Mapping a = mapping(0x7000, 0x1000);
        table.add(a);
        assertEquals(16, table.capacity());
        assertFalse(table.ownerEmpty());
        assertSame(a, table.single(0x7000));
        assertEquals(List.of(a), table.all());
        assertSame(a, table.containing(0x7800, 0x10));
        assertTrue(table.anyAt(0x7000) && table.ownerSeesAnyAt(0x7000));
        assertNull(table.takeSingle(0x7000, StreamingMapping.Kind.SINGLE, 0x2000, true), "another size: refused");
        assertSame(a, table.takeSingle(0x7000, StreamingMapping.Kind.SINGLE, 0x1000, false), "another thread takes it");
        assertNull(table.takeSingle(0x7000, StreamingMapping.Kind.SINGLE, 0x1000, true), "taken once");
        assertTrue(table.ownerEmpty());

        Mapping b = mapping(0x9000, 0x1000);
        Mapping twin = mapping(0x9000, 0x1000);
        table.add(b); // the front
        table.add(twin); // a slot: the front is taken
        Mapping[] at = table.at(0x9000);
        assertEquals(2, at.length);
        assertSame(b, at[0], "the front first");
        assertNull(table.single(0x9000));
        assertNull(table.takeSingle(0x9000, StreamingMapping.Kind.SINGLE, 0x1000, true), "two at the address: the slow path picks");
        assertNull(table.takeSingle(0x9000, StreamingMapping.Kind.SINGLE, 0x1000, false), "for another thread too");
        assertTrue(table.remove(0x9000, b));
        assertFalse(table.remove(0x9000, b), "removed once only");
        assertSame(twin, table.takeSingle(0x9000, StreamingMapping.Kind.SINGLE, 0x1000, true));
        assertTrue(table.ownerEmpty());
    }

    @Test
    void containingFindsTheMappingThatHoldsARange() {
        MappingTable table = new MappingTable();
        Mapping a = mapping(0x1000, 0x3000);
        Mapping b = mapping(0x8000, 0x100);
        table.add(a);
        table.add(b);
        assertSame(a, table.containing(0x1000, 0x3000), "the exact start");
        assertSame(a, table.containing(0x2ff0, 0x10), "inside");
        assertNull(table.containing(0x3ff0, 0x20), "past the end");
        assertSame(b, table.containing(0x80ff, 1));
        assertNull(table.containing(0x7fff, 2));
    }

    @Test
    void twoThreadsMapAndUnmapEachOthersMappingsWithoutLosingOne() throws Exception {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("MappingTableTest concurrent seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        DeviceMappings mappings = new DeviceMappings(null);
        java.util.concurrent.ConcurrentLinkedQueue<Mapping> shared = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicLong removed = new java.util.concurrent.atomic.AtomicLong();
        int perThread = Boolean.getBoolean("dmasim.longTests") ? 500_000 : 50_000;
        Thread[] threads = new Thread[2];
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads.length; t++) {
            long base = 0x100000000L * (t + 1);
            Random rnd = new Random(seed + t);
            threads[t] = new Thread(() -> {
                try {
                    List<Mapping> mine = new ArrayList<>();
                    for (int op = 0; op < perThread; op++) {
                        int r = rnd.nextInt(100);
                        if (mine.isEmpty() || r < 50) {
                            Mapping m = mapping(base + ((long) rnd.nextInt(2048) << 12), 4096);
                            mappings.add(m);
                            mine.add(m);
                        } else if (r < 80) {
                            Mapping m = mine.remove(rnd.nextInt(mine.size()));
                            if (mappings.take(m.dmaHandle, StreamingMapping.Kind.SINGLE, 4096) == null
                                && !mappings.remove(m)) {
                                throw new AssertionError("lost " + Long.toHexString(m.dmaHandle));
                            }
                            removed.incrementAndGet();
                        } else {
                            // hand one over: the other thread unmaps it (a completion path)
                            shared.add(mine.remove(rnd.nextInt(mine.size())));
                            Mapping other = shared.poll();
                            if (other != null) {
                                if (!mappings.remove(other)) {
                                    throw new AssertionError("lost handed " + Long.toHexString(other.dmaHandle));
                                }
                                removed.incrementAndGet();
                            }
                        }
                    }
                    for (Mapping m : mine) {
                        if (!mappings.remove(m)) {
                            throw new AssertionError("lost at the end " + Long.toHexString(m.dmaHandle));
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure[0] != null) {
            throw new AssertionError("seed " + seed, failure[0]);
        }
        for (Mapping m : shared) {
            assertTrue(mappings.remove(m), "seed " + seed);
        }
        assertTrue(mappings.all().isEmpty(), "seed " + seed);
    }
}
