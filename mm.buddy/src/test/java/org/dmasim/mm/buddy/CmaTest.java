package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.Gfp61.GFP_ATOMIC;
import static org.dmasim.api.mm.Gfp.GFP_DMA32;
import static org.dmasim.api.mm.Gfp.GFP_HIGHUSER_MOVABLE;
import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.dmasim.api.mm.Gfp.__GFP_NOWARN;
import static org.dmasim.api.mm.Gfp.__GFP_RECLAIMABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.dmasim.api.mm.MigrateType;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.api.Test;

/** MIGRATE_CMA pageblocks: activation, who may use them, and alloc/free_contig_range. */
class CmaTest {
    private static boolean inCma(long pfn) {
        return pfn >= Machines.TOY_CMA_START && pfn < Machines.TOY_CMA_END;
    }

    @Test
    void activationCountsManagedAndCmaPages() {
        BuddyAllocator a = Machines.toyBooted();
        Zone normal = a.zone(ZoneType.NORMAL);
        assertEquals(8192, normal.cmaPages);
        assertEquals(8192, normal.freeCma);
        assertEquals(MigrateType.CMA, a.pageblockMigratetype(Machines.TOY_CMA_START + 1000));
        assertEquals(8, a.freeListPfns(ZoneType.NORMAL, 10, MigrateType.CMA).size());
        assertTrue(a.zoneinfo().contains("        cma      8192\n"));
        assertTrue(a.zoneinfo().contains("      nr_free_cma  8192\n"));
        a.checkInvariants();
    }

    @Test
    void onlyMovableAllocationsUseCmaPageblocks() {
        BuddyAllocator a = Machines.toyBooted();
        Random r = new Random(7);
        int[] unmovable = {GFP_KERNEL, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_ATOMIC, GFP_DMA32};
        int failures = 0;
        while (failures < 50) {
            long pfn = a.allocPages(unmovable[r.nextInt(unmovable.length)] | __GFP_NOWARN, r.nextInt(4));
            if (pfn == PageAllocator.NO_PAGE) {
                failures++;
                continue;
            }
            assertFalse(inCma(pfn), "a non-movable allocation got CMA pfn " + Long.toHexString(pfn));
        }
        assertEquals(8192, a.zone(ZoneType.NORMAL).freeCma);
        long movable = a.allocPages(GFP_HIGHUSER_MOVABLE, 3);
        assertTrue(inCma(movable), "movable allocations fall back to CMA: " + Long.toHexString(movable));
        a.checkInvariants();
    }

    @Test
    void movableGoesToCmaFirstOnceCmaHoldsMoreThanHalfTheFreePages() {
        List<PfnRange> mem = List.of(new PfnRange(0x10000, 0x20000));
        BuddyAllocator a = BuddyAllocator.create(List.of(ZoneSpec.empty(ZoneType.DMA), ZoneSpec.empty(ZoneType.DMA32),
            Machines.zone(ZoneType.NORMAL, 0x10000, 0x20000, mem), ZoneSpec.empty(ZoneType.MOVABLE)), mem);
        a.freeBootMemory(0x10000, 0x18000);
        for (long pfn = 0x18000; pfn < 0x20000; pfn += 512) {
            a.initCmaReservedPageblock(pfn);
        }
        a.checkInvariants();
        assertEquals(0, a.materialisedSections(), "a fully activated CMA section folds back into a run");
        // 32768 CMA of 65536 free is not more than half: the Movable lists serve first.
        assertEquals(0x10000L, a.allocPages(GFP_HIGHUSER_MOVABLE, 0));
        // Now 32768 > 65535 / 2: CMA first (its order-10 list is descending, as the frees left it).
        assertEquals(0x1fc00L, a.allocPages(GFP_HIGHUSER_MOVABLE, 0));
        assertEquals(0x10001L, a.allocPages(GFP_HIGHUSER_MOVABLE, 0), "balanced again: back to Movable");
        a.checkInvariants();
    }

    @Test
    void contigRangeTakesExactPagesAndGivesThemBack() {
        BuddyAllocator a = Machines.toyBooted();
        List<String> shape = a.freeBlockSet();
        Zone normal = a.zone(ZoneType.NORMAL);
        long free = normal.freePages;
        assertEquals(0, a.allocContigRange(0x20010, 0x20030));
        for (long p = 0x20010; p < 0x20030; p++) {
            assertEquals(0, a.allocatedOrder(p));
        }
        assertEquals(-1, a.allocatedOrder(0x2000f));
        assertEquals(free - 0x20, normal.freePages);
        assertEquals(8192 - 0x20, normal.freeCma);
        for (long pb = Machines.TOY_CMA_START; pb < Machines.TOY_CMA_END; pb += 512) {
            assertEquals(MigrateType.CMA, a.pageblockMigratetype(pb), "isolation undone");
        }
        a.checkInvariants();

        String before = a.dumpState();
        assertEquals(-BuddyAllocator.EBUSY, a.allocContigRange(0x20020, 0x20040));
        assertEquals(before, a.dumpState(), "a busy attempt changes nothing");

        // A range whose pageblock boundary cuts through a free order-10 block.
        assertEquals(0, a.allocContigRange(0x20210, 0x20220));
        a.checkInvariants();
        a.freeContigRange(0x20010, 0x20);
        a.freeContigRange(0x20210, 0x10);
        a.checkInvariants();
        // free_contig_range() frees page by page through this CPU's pcp list.
        assertEquals(0x30, a.pcpCount(ZoneType.NORMAL, 0));
        a.drainAllPages();
        assertEquals(shape, a.freeBlockSet(), "free memory coalesces back to the boot shape");
        assertEquals(free, normal.freePages);
    }

    @Test
    void wholeAreaAndRandomRanges() {
        BuddyAllocator a = Machines.toyBooted();
        List<String> shape = a.freeBlockSet();
        assertEquals(0, a.allocContigRange(Machines.TOY_CMA_START, Machines.TOY_CMA_END));
        assertEquals(0, a.zone(ZoneType.NORMAL).freeCma);
        a.checkInvariants();
        a.freeContigRange(Machines.TOY_CMA_START, Machines.TOY_CMA_END - Machines.TOY_CMA_START);
        a.drainAllPages();
        assertEquals(shape, a.freeBlockSet());

        Random r = new Random(1234);
        long[][] live = new long[64][];
        int n = 0;
        for (int i = 0; i < 400; i++) {
            if (n > 0 && (r.nextBoolean() || n == live.length)) {
                int k = r.nextInt(n);
                a.freeContigRange(live[k][0], live[k][1]);
                live[k] = live[--n];
            } else {
                long len = 1 + r.nextInt(700);
                long start = Machines.TOY_CMA_START + r.nextInt((int) (Machines.TOY_CMA_END - Machines.TOY_CMA_START - len));
                int ret = a.allocContigRange(start, start + len);
                assertTrue(ret == 0 || ret == -BuddyAllocator.EBUSY);
                if (ret == 0) {
                    live[n++] = new long[] {start, len};
                }
            }
            if (i % 50 == 0) {
                a.checkInvariants();
            }
        }
        while (n > 0) {
            a.freeContigRange(live[n - 1][0], live[--n][1]);
        }
        a.checkInvariants();
        a.drainAllPages();
        assertEquals(shape, a.freeBlockSet(), "seed 1234");
        assertNotEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_HIGHUSER_MOVABLE, 10));
    }
}
