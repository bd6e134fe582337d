package org.dmasim.cma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dmasim.testing.FakePageAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seeded random cma_alloc / cma_release against a reference model written the simple way: a
 * boolean per bit, candidates tried in ascending order ("the lowest aligned start whose bits are
 * clear"), and the kernel's busy rule (a busy candidate moves the search to start + mask + 1).
 * Every allocation must land exactly where the model says; used, maxchunk and the bitmap file
 * must agree with the model; at the end everything is released. Seed: -Ddmasim.seed=N.
 */
class CmaRandomTest {
    private static final int OPS = Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 100_000;

    private record Live(long pfn, long pages) {
    }

    @ParameterizedTest
    @CsvSource({"0x40000, 4096, 0", "0x40200, 4096, 0", "0x40200, 8192, 2"})
    void randomAllocReleaseMatchesTheModel(String baseHex, int count, int opb) {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("CmaRandomTest seed=" + seed + " base=" + baseHex + " count=" + count + " opb=" + opb);
        Random rnd = new Random(seed);
        long base = Long.decode(baseHex);
        TestAreas t = new TestAreas("rnd", base, count, opb);
        int maxno = count >> opb;
        boolean[] model = new boolean[maxno];
        List<Live> live = new ArrayList<>();
        List<Long> busy = new ArrayList<>();
        long busyCalls = 0;
        for (int op = 0; op < OPS; op++) {
            int what = rnd.nextInt(100);
            if (what < 3) {
                // a few pinned pages come and go (at most 8 at a time)
                if (busy.size() < 8 && rnd.nextBoolean()) {
                    long p = base + rnd.nextInt(count);
                    t.pages.setBusy(p);
                    busy.add(p);
                } else if (!busy.isEmpty()) {
                    t.pages.clearBusy(busy.remove(rnd.nextInt(busy.size())));
                }
            } else if (what < 55 || live.isEmpty()) {
                long pages = rnd.nextInt(20) == 0 ? 1 + rnd.nextInt(1024) : 1 + rnd.nextInt(48);
                int align = rnd.nextInt(11);
                int callsBefore = t.pages.contigCallCount();
                long[] expected = expect(t, model, base, opb, pages, align);
                long got = t.cma.alloc(pages, align, true);
                assertEquals(expected[0], got, () -> "seed " + seed + ": alloc(" + pages + ", " + align + ")");
                assertEquals(expected[1], t.pages.contigCallCount() - callsBefore, "seed " + seed + ": attempts");
                busyCalls += expected[1] - (got >= 0 ? 1 : 0);
                if (got >= 0) {
                    assertEquals(0, (got & ((1L << align) - 1)), "aligned in pfn space");
                    mark(model, got, pages, base, opb, true);
                    live.add(new Live(got, pages));
                }
            } else {
                Live l = live.remove(rnd.nextInt(live.size()));
                if (opb == 0 && l.pages > 1 && rnd.nextInt(4) == 0) {
                    long half = l.pages / 2;
                    assertTrue(t.cma.release(l.pfn, half));
                    mark(model, l.pfn, half, base, opb, false);
                    live.add(new Live(l.pfn + half, l.pages - half));
                } else {
                    assertTrue(t.cma.release(l.pfn, l.pages));
                    mark(model, l.pfn, l.pages, base, opb, false);
                }
            }
            if (op % 997 == 0) {
                checkViews(t, model, opb, seed);
            }
        }
        assertTrue(busyCalls > 0, "seed " + seed + ": busy pages were met at least once");
        System.out.println("  successes " + t.globals.allocSuccess.get() + ", failures " + t.globals.allocFail.get()
            + ", busy attempts " + busyCalls);
        assertTrue(t.globals.allocSuccess.get() > OPS / 10 && t.globals.allocFail.get() > OPS / 100,
            "seed " + seed + ": both outcomes were exercised");
        for (Live l : live) {
            assertTrue(t.cma.release(l.pfn, l.pages));
            mark(model, l.pfn, l.pages, base, opb, false);
        }
        checkViews(t, model, opb, seed);
        assertEquals(0, t.cma.used());
        assertEquals(0, t.cma.bitmapWeight());
        assertEquals(count, t.cma.maxchunk());
        assertEquals(0, t.pages.takenPages(), "every page went back to the allocator");
    }

    /** {pfn or -1, number of alloc_contig_range calls} by the naive rule. */
    private static long[] expect(TestAreas t, boolean[] model, long base, int opb, long pages, int align) {
        int maxno = model.length;
        long bits = (pages + (1L << opb) - 1) >> opb;
        if (bits > maxno) {
            return new long[] {-1, 0};
        }
        long mask = align <= opb ? 0 : (1L << (align - opb)) - 1;
        long offset = (base & ((1L << align) - 1)) >> opb;
        long start = 0;
        long calls = 0;
        while (true) {
            long found = -1;
            for (long i = start; i + bits <= maxno; i++) {
                if (((i + offset) & mask) != 0) {
                    continue;
                }
                boolean clear = true;
                for (long b = i; b < i + bits && clear; b++) {
                    clear = !model[(int) b];
                }
                if (clear) {
                    found = i;
                    break;
                }
            }
            if (found < 0) {
                return new long[] {-1, calls};
            }
            calls++;
            long pfn = base + (found << opb);
            boolean busy = false;
            for (long p = pfn; p < pfn + pages && !busy; p++) {
                busy = t.pages.isBusy(p);
            }
            if (!busy) {
                return new long[] {pfn, calls};
            }
            start = found + mask + 1;
        }
    }

    private static void mark(boolean[] model, long pfn, long pages, long base, int opb, boolean v) {
        long no = (pfn - base) >> opb;
        long bits = (pages + (1L << opb) - 1) >> opb;
        for (long b = no; b < no + bits; b++) {
            assertEquals(!v, model[(int) b], "model bit " + b);
            model[(int) b] = v;
        }
    }

    private static void checkViews(TestAreas t, boolean[] model, int opb, long seed) {
        long used = 0;
        long maxchunk = 0;
        long run = 0;
        long[] words = new long[(model.length + 63) / 64];
        for (int i = 0; i < model.length; i++) {
            if (model[i]) {
                used++;
                run = 0;
                words[i / 64] |= 1L << (i % 64);
            } else {
                run++;
                maxchunk = Math.max(maxchunk, run);
            }
        }
        assertEquals(used << opb, t.cma.used(), "seed " + seed + ": used");
        assertEquals(used, t.cma.bitmapWeight(), "seed " + seed + ": bitmap weight");
        assertEquals(maxchunk << opb, t.cma.maxchunk(), "seed " + seed + ": maxchunk");
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < model.length / 32; w++) {
            long u32 = (words[w / 2] >>> (32 * (w % 2))) & 0xffffffffL;
            sb.append(u32).append(w == model.length / 32 - 1 ? "\n" : " ");
        }
        String bitmap = t.cma.debugfs().get("bitmap");
        assertTrue(sb.toString().startsWith(bitmap) && sb.length() - bitmap.length() <= 1,
            "seed " + seed + ": bitmap file");
    }
}
