package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.Gfp61.GFP_ATOMIC;
import static org.dmasim.api.mm.Gfp.GFP_DMA;
import static org.dmasim.api.mm.Gfp.GFP_DMA32;
import static org.dmasim.api.mm.Gfp.GFP_HIGHUSER_MOVABLE;
import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.dmasim.api.mm.Gfp.GFP_NOWAIT;
import static org.dmasim.api.mm.Gfp.__GFP_MOVABLE;
import static org.dmasim.api.mm.Gfp.__GFP_NOWARN;
import static org.dmasim.api.mm.Gfp.__GFP_RECLAIMABLE;
import static org.dmasim.api.mm.Gfp.__GFP_ZERO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.dmasim.api.mm.MovablePageOwner;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random alloc/free sequences on the toy node (three populated zones, holes, reserved
 * ranges, a CMA area) with per-cpu lists on: every operation runs on a random one of four
 * simulated CPUs, some movable blocks have owners, and some operations take CMA ranges with
 * alloc_contig_range (migrating owned blocks away). Invariants are checked every
 * {@link #CHECK_EVERY} operations; at the end everything is freed, the pcp lists drained,
 * and the free memory must have coalesced back to the exact boot shape.
 * {@code -Ddmasim.longTests=true} runs 10^6 operations per seed instead of 1.2 x 10^5.
 */
class RandomizedTest {
    static final int OPS = Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 120_000;
    static final int CHECK_EVERY = 1000;
    static final int CPUS = 4;

    /** GFP mixes without high-order __GFP_ATOMIC (which would reserve HighAtomic pageblocks). */
    private static final int[] GFPS = {GFP_KERNEL, GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_HIGHUSER_MOVABLE,
        GFP_KERNEL | __GFP_RECLAIMABLE, GFP_DMA32, GFP_KERNEL | GFP_DMA, GFP_NOWAIT | __GFP_MOVABLE, GFP_KERNEL | __GFP_ZERO,
        GFP_DMA32 | __GFP_MOVABLE};

    /** Live blocks by head pfn: {pfn, order, kind} with kind 0 = block, 1 = owned block, 2 = contig range. */
    private static final class Live implements MovablePageOwner {
        final java.util.Map<Long, long[]> blocks = new java.util.HashMap<>();
        final List<Long> keys = new ArrayList<>();
        long pages;
        long migrations;

        void add(long pfn, long nrOrOrder, int kind) {
            blocks.put(pfn, new long[] {pfn, nrOrOrder, kind});
            keys.add(pfn);
            pages += kind == 2 ? nrOrOrder : 1L << nrOrOrder;
        }

        long[] removeAt(int k) {
            long pfn = keys.get(k);
            keys.set(k, keys.get(keys.size() - 1));
            keys.remove(keys.size() - 1);
            long[] b = blocks.remove(pfn);
            pages -= b[2] == 2 ? b[1] : 1L << b[1];
            return b;
        }

        @Override
        public void migrated(long oldPfn, long newPfn, int order) {
            long[] b = blocks.remove(oldPfn);
            if (b == null || b[1] != order || b[2] != 1) {
                throw new AssertionError("migrated a block the test does not own: " + Long.toHexString(oldPfn));
            }
            b[0] = newPfn;
            blocks.put(newPfn, b);
            keys.set(keys.indexOf(oldPfn), newPfn);
            migrations++;
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1L, 20240601L, 0xC0FFEEL})
    void randomAllocFreeKeepsInvariantsAndCoalescesBack(long seed) {
        System.out.println("RandomizedTest seed " + seed + ", " + OPS + " ops, " + CPUS + " simulated CPUs");
        BuddyAllocator a = Machines.toyBooted(BuddyOptions.defaults().withNrCpus(CPUS));
        List<String> bootShape = a.freeBlockSet();
        long bootFree = a.freePages();
        SplittableRandom r = new SplittableRandom(seed);
        Live live = new Live();
        long managed = a.totalRamPages();
        int allocs = 0;
        int failures = 0;
        int contigOk = 0;
        int contigBusy = 0;
        for (int op = 1; op <= OPS; op++) {
            SimCpu.bind(r.nextInt(CPUS * 3)); // any CPU number: the allocator takes it modulo 4
            boolean doAlloc = live.keys.isEmpty() || r.nextDouble() < (live.pages < managed * 0.7 ? 0.55 : 0.3);
            if (doAlloc && r.nextInt(200) == 0) {
                long len = 1 + r.nextInt(600);
                long start = Machines.TOY_CMA_START
                    + r.nextInt((int) (Machines.TOY_CMA_END - Machines.TOY_CMA_START - len));
                int ret = a.allocContigRange(start, start + len);
                if (ret == 0) {
                    contigOk++;
                    live.add(start, len, 2);
                } else {
                    assertEquals(-BuddyAllocator.EBUSY, ret);
                    contigBusy++;
                }
            } else if (doAlloc) {
                int gfp = GFPS[r.nextInt(GFPS.length)] | __GFP_NOWARN;
                if (r.nextInt(20) == 0) {
                    gfp = GFP_ATOMIC | __GFP_NOWARN; // order 0 only: no HighAtomic reserve
                }
                int order = randomOrder(r);
                if ((gfp & GFP_ATOMIC) == GFP_ATOMIC) {
                    order = 0;
                }
                boolean owned = (gfp & __GFP_MOVABLE) != 0 && r.nextBoolean();
                long pfn = owned ? a.allocPages(gfp, order, live) : a.allocPages(gfp, order);
                if (pfn == PageAllocator.NO_PAGE) {
                    failures++;
                } else {
                    allocs++;
                    if ((pfn & ((1L << order) - 1)) != 0) {
                        fail("seed " + seed + " op " + op + ": misaligned block " + Long.toHexString(pfn));
                    }
                    live.add(pfn, order, owned ? 1 : 0);
                }
            } else {
                long[] b = live.removeAt(r.nextInt(live.keys.size()));
                if (b[2] == 2) {
                    a.freeContigRange(b[0], b[1]);
                } else {
                    a.freePages(b[0], (int) b[1]);
                }
            }
            if (op % CHECK_EVERY == 0) {
                check(a, seed, op, live, bootFree);
            }
        }
        SimCpu.bind(0);
        assertTrue(allocs > OPS / 3, "seed " + seed + ": too few successful allocations: " + allocs);
        assertTrue(contigOk > 0 && live.migrations > 0, "seed " + seed + ": contig " + contigOk + ", migrations "
            + live.migrations);
        assertTrue(a.warnings().isEmpty(), "seed " + seed + ": " + a.warnings());
        assertEquals(live.migrations, a.migrationStats().blocksMigrated(), "seed " + seed);
        // Free in a random order, drain, and require the exact boot shape of free memory.
        while (!live.keys.isEmpty()) {
            SimCpu.bind(r.nextInt(CPUS));
            long[] b = live.removeAt(r.nextInt(live.keys.size()));
            if (b[2] == 2) {
                a.freeContigRange(b[0], b[1]);
            } else {
                a.freePages(b[0], (int) b[1]);
            }
        }
        SimCpu.bind(0);
        assertTrue(a.pcpPages() > 0, "frees of pcp orders leave pages on the pcp lists");
        a.drainAllPages();
        assertEquals(0, a.pcpPages());
        try {
            a.checkInvariants();
        } catch (IllegalStateException e) {
            fail("seed " + seed + " after freeing everything: " + e.getMessage(), e);
        }
        assertEquals(bootFree, a.freePages(), "seed " + seed);
        assertEquals(bootShape, a.freeBlockSet(), "seed " + seed + ": free memory did not coalesce to its boot shape");
        System.out.printf("seed %d: %d allocations, %d refusals, contig %d ok / %d busy, %d migrations, "
            + "%d materialised sections at the end%n", seed, allocs, failures, contigOk, contigBusy, live.migrations,
            a.materialisedSections());
    }

    private static int randomOrder(SplittableRandom r) {
        int x = r.nextInt(100);
        if (x < 50) {
            return 0;
        }
        if (x < 80) {
            return 1 + r.nextInt(3);
        }
        if (x < 95) {
            return 4 + r.nextInt(4);
        }
        return 8 + r.nextInt(3);
    }

    private static void check(BuddyAllocator a, long seed, int op, Live live, long bootFree) {
        try {
            a.checkInvariants();
        } catch (IllegalStateException e) {
            fail("seed " + seed + " op " + op + ": " + e.getMessage(), e);
        }
        assertEquals(bootFree, a.freePages() + a.pcpPages() + live.pages,
            "seed " + seed + " op " + op + ": pages not conserved");
        // Every live block is allocated with its order; no two live blocks overlap.
        long[][] sorted = live.blocks.values().toArray(new long[0][]);
        java.util.Arrays.sort(sorted, (x, y) -> Long.compare(x[0], y[0]));
        long end = -1;
        for (long[] b : sorted) {
            if (b[0] < end) {
                fail("seed " + seed + " op " + op + ": blocks overlap at " + Long.toHexString(b[0]));
            }
            long n = b[2] == 2 ? b[1] : 1L << b[1];
            end = b[0] + n;
            if (b[2] == 2) {
                for (long p = b[0]; p < end; p++) {
                    if (a.allocatedOrder(p) != 0) {
                        fail("seed " + seed + " op " + op + ": contig page " + Long.toHexString(p) + " not allocated");
                    }
                }
            } else if (a.allocatedOrder(b[0]) != b[1]) {
                fail("seed " + seed + " op " + op + ": block " + Long.toHexString(b[0]) + " not allocated at order " + b[1]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {99L})
    void withHighOrderAtomicsTheInvariantsStillHold(long seed) {
        BuddyAllocator a = Machines.toyBooted();
        Random r = new Random(seed);
        List<long[]> live = new ArrayList<>();
        for (int op = 1; op <= 30_000; op++) {
            if (live.isEmpty() || r.nextInt(100) < 55) {
                int gfp = (r.nextBoolean() ? GFP_ATOMIC : GFP_KERNEL) | __GFP_NOWARN;
                int order = r.nextInt(6);
                long pfn = a.allocPages(gfp, order);
                if (pfn != PageAllocator.NO_PAGE) {
                    live.add(new long[] {pfn, order});
                }
            } else {
                long[] b = live.remove(r.nextInt(live.size()));
                a.freePages(b[0], (int) b[1]);
            }
            if (op % CHECK_EVERY == 0) {
                try {
                    a.checkInvariants();
                } catch (IllegalStateException e) {
                    fail("seed " + seed + " op " + op + ": " + e.getMessage(), e);
                }
            }
        }
        for (long[] b : live) {
            a.freePages(b[0], (int) b[1]);
        }
        a.checkInvariants();
        assertEquals(a.totalRamPages(), a.freePages(), "seed " + seed);
        assertTrue(a.zone(ZoneType.NORMAL).nrReservedHighatomic <= a.zone(ZoneType.NORMAL).managed / 100 + 512);
    }
}
