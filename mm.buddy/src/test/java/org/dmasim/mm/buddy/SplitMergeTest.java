package org.dmasim.mm.buddy;

import static org.dmasim.api.mm.Gfp.GFP_HIGHUSER_MOVABLE;
import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.mm.MigrateType;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.api.Test;

/** Exact pfns of expand() and __free_one_page() on one 128 MiB section of Normal at pfn 0x10000. */
class SplitMergeTest {
    private static List<Long> list(BuddyAllocator a, int order) {
        return a.freeListPfns(ZoneType.NORMAL, order, MigrateType.MOVABLE);
    }

    @Test
    void bootFreeingASectionKeepsItImplicitAndAscending() {
        BuddyAllocator a = Machines.oneSection();
        a.checkInvariants();
        assertEquals(0, a.materialisedSections(), "a wholly free section must not materialise");
        List<Long> o10 = list(a, 10);
        assertEquals(32, o10.size());
        for (int i = 0; i < 32; i++) {
            assertEquals(0x10000L + i * 1024L, o10.get(i), "boot frees go to the tail: ascending order");
        }
        assertEquals("Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0     32 \n",
            a.buddyinfo());
    }

    @Test
    void firstAllocationSplitsTheHeadBlockKeepingTheLowerHalf() {
        BuddyAllocator a = Machines.oneSection();
        long pfn = a.allocPages(GFP_HIGHUSER_MOVABLE, 0);
        assertEquals(0x10000L, pfn);
        assertEquals(1, a.materialisedSections());
        for (int o = 0; o < 10; o++) {
            assertEquals(List.of(0x10000L + (1L << o)), list(a, o), "upper half of order " + (o + 1) + " split");
        }
        assertEquals(31, list(a, 10).size());
        assertEquals(0x10400L, list(a, 10).get(0));
        assertEquals("Node 0, zone   Normal      1      1      1      1      1      1      1      1      1      1     31 \n",
            a.buddyinfo());
        a.checkInvariants();
    }

    @Test
    void allocationsTakeTheHeadAndFreesMergeWithTailPlacementWhenLikely() {
        BuddyAllocator a = Machines.oneSection();
        String boot = a.dumpState();
        long[] p = new long[8];
        for (int i = 0; i < 8; i++) {
            p[i] = a.allocPages(GFP_HIGHUSER_MOVABLE, 0);
            assertEquals(0x10000L + i, p[i], "order-0 allocations walk up from the lowest pfn");
        }
        assertTrue(list(a, 0).isEmpty() && list(a, 1).isEmpty() && list(a, 2).isEmpty());
        a.freePages(p[3], 0);
        a.freePages(p[2], 0); // merges with p3 into (0x10002, 1)
        assertEquals(List.of(0x10002L), list(a, 1));
        assertTrue(list(a, 0).isEmpty());
        a.freePages(p[4], 0); // buddy p5 busy, uncle 0x10006 busy: head
        assertEquals(List.of(0x10004L), list(a, 0));
        a.freePages(p[1], 0); // buddy p0 busy, uncle (0x10002, 1) free: merge likely, tail
        assertEquals(List.of(0x10004L, 0x10001L), list(a, 0));
        a.freePages(p[7], 0); // uncle 0x10004 is free but only order 0: head
        assertEquals(List.of(0x10007L, 0x10004L, 0x10001L), list(a, 0));
        a.checkInvariants();

        assertEquals(0x10007L, a.allocPages(GFP_HIGHUSER_MOVABLE, 0), "allocation takes the list head");
        a.freePages(0x10007L, 0);
        // Free the rest: everything coalesces back into the order-10 block at the list head.
        a.freePages(p[0], 0);
        assertEquals(List.of(0x10000L), list(a, 2), "p0+p1 -> order 1, + (0x10002,1) -> order 2");
        a.freePages(p[5], 0);
        a.freePages(p[6], 0);
        a.checkInvariants();
        assertEquals(boot, a.dumpState(), "full coalescing restores the boot state exactly");
        assertEquals(0, a.materialisedSections(), "an all-free, in-order section dematerialises");
    }

    @Test
    void unmovableAllocationStealsAWholeMaxOrderBlockAndRetypesItsPageblocks() {
        BuddyAllocator a = Machines.oneSection();
        long pfn = a.allocPages(GFP_KERNEL, 0);
        assertEquals(0x10000L, pfn, "the largest Movable block is stolen, then split from its start");
        assertEquals(MigrateType.UNMOVABLE, a.pageblockMigratetype(0x10000));
        assertEquals(MigrateType.UNMOVABLE, a.pageblockMigratetype(0x10200));
        assertEquals(MigrateType.MOVABLE, a.pageblockMigratetype(0x10400));
        assertEquals(List.of(0x10200L), a.freeListPfns(ZoneType.NORMAL, 9, MigrateType.UNMOVABLE));
        assertEquals(31, list(a, 10).size());
        a.freePages(pfn, 0);
        a.checkInvariants();
        assertEquals(List.of(0x10000L), a.freeListPfns(ZoneType.NORMAL, 10, MigrateType.UNMOVABLE),
            "the merged block goes to its pageblock's (now Unmovable) list");
    }

    @Test
    void highOrderBlocksAreNaturallyAligned() {
        BuddyAllocator a = Machines.oneSection();
        List<long[]> got = new ArrayList<>();
        int[] orders = {3, 0, 5, 1, 10, 2, 7, 0, 9, 4};
        for (int o : orders) {
            long pfn = a.allocPages(GFP_HIGHUSER_MOVABLE, o);
            assertEquals(0, pfn & ((1L << o) - 1), "order " + o + " block at " + Long.toHexString(pfn));
            got.add(new long[] {pfn, o});
        }
        a.checkInvariants();
        for (long[] g : got) {
            assertEquals((int) g[1], a.allocatedOrder(g[0]));
            a.freePages(g[0], (int) g[1]);
        }
        a.checkInvariants();
        assertEquals(32, list(a, 10).size());
    }

    @Test
    void maxOrderAllocationFromAnImplicitSectionAndBackDematerialises() {
        BuddyAllocator a = Machines.oneSection();
        String boot = a.dumpState();
        long pfn = a.allocPages(GFP_HIGHUSER_MOVABLE, 10);
        assertEquals(0x10000L, pfn);
        assertEquals(1, a.materialisedSections());
        a.freePages(pfn, 10);
        assertEquals(0, a.materialisedSections());
        assertEquals(boot, a.dumpState());
    }
}
