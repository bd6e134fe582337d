package org.dmasim.cma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.dmasim.api.platform.SimCpu;
import org.junit.jupiter.api.Test;

/**
 * Several threads allocate and release in one area at once. Every page handed out must belong
 * to exactly one caller (checked with a compare-and-set per page), and the area and the
 * allocator must end exactly where they started. Seed: -Ddmasim.seed=N.
 */
class CmaConcurrencyTest {
    private static final int THREADS = 8;
    private static final int OPS = 20_000;

    @Test
    void threadsNeverShareAPageOnTheFakeAllocator() throws Exception {
        TestAreas t = new TestAreas("mt", 0x40000, 8192, 0);
        t.pages.setBusy(0x40100);
        long[] okCalls = run(t.cma, 0x40000, 8192, false);
        assertEquals(0, t.pages.takenPages());
        assertEquals(okCalls[0], t.globals.allocSuccess.get(), "CMA_ALLOC_SUCCESS counts every success");
        assertEquals(okCalls[1] - okCalls[0], t.globals.allocFail.get(), "CMA_ALLOC_FAIL every failure");
    }

    @Test
    void threadsNeverShareAPageOnTheBuddyAllocator() throws Exception {
        BuddyBoard b = new BuddyBoard();
        long free0 = b.free();
        run(b.cma, BuddyBoard.BASE, (int) BuddyBoard.COUNT, true);
        b.buddy.drainAllPages();
        assertEquals(free0, b.free());
    }

    /** {successful allocs, alloc calls}. */
    private static long[] run(Cma cma, long base, int count, boolean bindCpus) throws Exception {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("CmaConcurrencyTest seed=" + seed);
        AtomicIntegerArray owner = new AtomicIntegerArray(count);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<long[]>> results = new ArrayList<>();
        for (int th = 0; th < THREADS; th++) {
            int id = th + 1;
            results.add(pool.submit(() -> {
                if (bindCpus) {
                    SimCpu.bind(id - 1);
                }
                Random rnd = new Random(seed + id);
                List<long[]> mine = new ArrayList<>();
                long ok = 0;
                long calls = 0;
                for (int op = 0; op < OPS; op++) {
                    if (mine.isEmpty() || rnd.nextBoolean()) {
                        calls++;
                        long pages = 1 + rnd.nextInt(64);
                        long p = cma.alloc(pages, rnd.nextInt(7), true);
                        if (p >= 0) {
                            ok++;
                            for (long q = p; q < p + pages; q++) {
                                if (!owner.compareAndSet((int) (q - base), 0, id)) {
                                    throw new AssertionError("seed " + seed + ": page " + Long.toHexString(q)
                                        + " handed to thread " + id + " while thread " + owner.get((int) (q - base))
                                        + " holds it");
                                }
                            }
                            mine.add(new long[] {p, pages});
                        }
                    } else {
                        long[] a = mine.remove(rnd.nextInt(mine.size()));
                        for (long q = a[0]; q < a[0] + a[1]; q++) {
                            owner.set((int) (q - base), 0);
                        }
                        if (!cma.release(a[0], a[1])) {
                            throw new AssertionError("release of our own range returned false");
                        }
                    }
                }
                for (long[] a : mine) {
                    for (long q = a[0]; q < a[0] + a[1]; q++) {
                        owner.set((int) (q - base), 0);
                    }
                    cma.release(a[0], a[1]);
                }
                return new long[] {ok, calls};
            }));
        }
        long ok = 0;
        long calls = 0;
        for (Future<long[]> f : results) {
            ok += f.get()[0];
            calls += f.get()[1];
        }
        pool.shutdown();
        assertTrue(ok > THREADS * OPS / 10, "seed " + seed + ": most threads got pages (" + ok + ")");
        assertEquals(0, cma.used());
        assertEquals(0, cma.bitmapWeight());
        assertEquals(count, cma.maxchunk());
        return new long[] {ok, calls};
    }
}
