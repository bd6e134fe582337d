package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.Gfp61.GFP_ATOMIC;
import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.dmasim.api.mm.Gfp.__GFP_NOWARN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.mm.MigrateType;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.api.Test;

/** The slow path: ALLOC_HARDER for __GFP_ATOMIC and the HighAtomic pageblock reserve. */
class HighAtomicTest {
    @Test
    void highOrderAtomicInTheSlowPathReservesAPageblock() {
        // min_free_kbytes so large that every zone fails even its min watermark, while
        // the atomic floor (3/8 of min) is still below the free pages.
        BuddyAllocator a = Machines.toyBooted(BuddyOptions.defaults().withMinFreeKbytes(1_000_000));
        Zone normal = a.zone(ZoneType.NORMAL);
        assertTrue(normal.freePages - normal.freeCma <= normal.wmarkLow);

        assertEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_KERNEL | __GFP_NOWARN, 2), "below min for GFP_KERNEL");
        long p = a.allocPages(GFP_ATOMIC, 2);
        assertNotEquals(PageAllocator.NO_PAGE, p);
        assertEquals(ZoneType.NORMAL, a.zoneOf(p).orElseThrow());
        assertEquals(MigrateType.HIGHATOMIC, a.pageblockMigratetype(p));
        assertEquals(512, normal.nrReservedHighatomic);
        // The atomic (unmovable) request stole an order-10 block: two pageblocks became
        // Unmovable, then the allocation's pageblock was reserved as HighAtomic.
        assertTrue(a.pagetypeinfo().contains("Node 0, zone   Normal            1          238            0            1"
            + "           16            0 \n"), a.pagetypeinfo());
        // The next high-order atomic allocation beyond the pcp orders is served from the reserve
        // (rmqueue_buddy tries HighAtomic first; pcp refills through __rmqueue never do).
        long q = a.allocPages(GFP_ATOMIC, 4);
        assertEquals(p & ~511L, q & ~511L, "served from the HighAtomic pageblock");
        assertEquals(512, normal.nrReservedHighatomic, "one pageblock already reserved for this pageblock");
        a.checkInvariants();
        a.freePages(p, 2);
        a.freePages(q, 4);
        a.checkInvariants();
        // The order-2 block sits on the movable pcp list (HighAtomic pageblocks use it) until drained.
        assertEquals(4, a.pcpCount(ZoneType.NORMAL, 0) & 4);
        a.drainAllPages();
        a.checkInvariants();
        // Freed pages return to the HighAtomic list and stay reserved (no reclaim path unreserves).
        assertEquals(MigrateType.HIGHATOMIC, a.pageblockMigratetype(p));
        assertTrue(!a.freeListPfns(ZoneType.NORMAL, 9, MigrateType.HIGHATOMIC).isEmpty());
    }
}
