package org.dmasim.mm.buddy;

import static org.dmasim.api.mm.Gfp.GFP_ATOMIC;
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
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random alloc/free sequences on the toy node (three populated zones, holes, reserved
 * ranges, a CMA area). Invariants are checked every {@link #CHECK_EVERY} operations; at the end
 * everything is freed and the free memory must have coalesced back to the exact boot shape.
 */
class RandomizedTest {
    static final int OPS = 120_000;
    static final int CHECK_EVERY = 1000;

    /** GFP mixes without high-order __GFP_ATOMIC (which would reserve HighAtomic pageblocks). */
    private static final int[] GFPS = {GFP_KERNEL, GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_HIGHUSER_MOVABLE,
        GFP_KERNEL | __GFP_RECLAIMABLE, GFP_DMA32, GFP_KERNEL | GFP_DMA, GFP_NOWAIT | __GFP_MOVABLE, GFP_KERNEL | __GFP_ZERO,
        GFP_DMA32 | __GFP_MOVABLE};

    @ParameterizedTest
    @ValueSource(longs = {1L, 20240601L, 0xC0FFEEL})
    void randomAllocFreeKeepsInvariantsAndCoalescesBack(long seed) {
        BuddyAllocator a = Machines.toyBooted();
        String bootDump = a.dumpState();
        List<String> bootShape = a.freeBlockSet();
        long bootFree = a.freePages();
        SplittableRandom r = new SplittableRandom(seed);
        List<long[]> live = new ArrayList<>();
        long livePages = 0;
        long managed = a.totalRamPages();
        int allocs = 0;
        int failures = 0;
        for (int op = 1; op <= OPS; op++) {
            boolean doAlloc = live.isEmpty() || r.nextDouble() < (livePages < managed * 0.7 ? 0.55 : 0.3);
            if (doAlloc) {
                int gfp = GFPS[r.nextInt(GFPS.length)] | __GFP_NOWARN;
                if (r.nextInt(20) == 0) {
                    gfp = GFP_ATOMIC | __GFP_NOWARN; // order 0 only: no HighAtomic reserve
                }
                int order = randomOrder(r);
                if ((gfp & GFP_ATOMIC) == GFP_ATOMIC) {
                    order = 0;
                }
                long pfn = a.allocPages(gfp, order);
                if (pfn == PageAllocator.NO_PAGE) {
                    failures++;
                } else {
                    allocs++;
                    if ((pfn & ((1L << order) - 1)) != 0) {
                        fail("seed " + seed + " op " + op + ": misaligned block " + Long.toHexString(pfn));
                    }
                    live.add(new long[] {pfn, order});
                    livePages += 1L << order;
                }
            } else {
                int k = r.nextInt(live.size());
                long[] b = live.get(k);
                live.set(k, live.get(live.size() - 1));
                live.remove(live.size() - 1);
                a.freePages(b[0], (int) b[1]);
                livePages -= 1L << b[1];
            }
            if (op % CHECK_EVERY == 0) {
                check(a, seed, op, live, livePages, bootFree);
            }
        }
        assertTrue(allocs > OPS / 3, "seed " + seed + ": too few successful allocations: " + allocs);
        assertTrue(a.warnings().isEmpty(), "seed " + seed);
        // Free in a random order and require the exact boot shape of free memory.
        while (!live.isEmpty()) {
            long[] b = live.remove(r.nextInt(live.size()));
            a.freePages(b[0], (int) b[1]);
        }
        try {
            a.checkInvariants();
        } catch (IllegalStateException e) {
            fail("seed " + seed + " after freeing everything: " + e.getMessage(), e);
        }
        assertEquals(bootFree, a.freePages(), "seed " + seed);
        assertEquals(bootShape, a.freeBlockSet(), "seed " + seed + ": free memory did not coalesce to its boot shape");
        System.out.printf("seed %d: %d allocations, %d refusals, %d materialised sections at the end%n", seed, allocs,
            failures, a.materialisedSections());
        if (a.dumpState().equals(bootDump)) {
            System.out.println("  (state identical to boot, list order included)");
        }
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

    private static void check(BuddyAllocator a, long seed, int op, List<long[]> live, long livePages, long bootFree) {
        try {
            a.checkInvariants();
        } catch (IllegalStateException e) {
            fail("seed " + seed + " op " + op + ": " + e.getMessage(), e);
        }
        assertEquals(bootFree, a.freePages() + livePages, "seed " + seed + " op " + op + ": pages not conserved");
        // Every live block is allocated with its order; no two live blocks overlap.
        long[][] sorted = live.toArray(new long[0][]);
        java.util.Arrays.sort(sorted, (x, y) -> Long.compare(x[0], y[0]));
        long end = -1;
        for (long[] b : sorted) {
            if (b[0] < end) {
                fail("seed " + seed + " op " + op + ": blocks overlap at " + Long.toHexString(b[0]));
            }
            end = b[0] + (1L << b[1]);
            if (a.allocatedOrder(b[0]) != b[1]) {
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
