package org.dmasim.mm.buddy;

import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.dmasim.api.mm.Gfp.GFP_NOWAIT;
import static org.dmasim.api.mm.Gfp.__GFP_HIGH;
import static org.dmasim.api.mm.Gfp.__GFP_NOMEMALLOC;
import static org.dmasim.api.mm.Gfp.__GFP_NOWARN;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_HIGHATOMIC;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_HIGHATOMIC_FALLBACK;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_MIN_HALF;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_MIN_QUARTER;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_RESERVES;
import static org.dmasim.mm.buddy.AllocFlags.NO_CPUSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.mm.MigrateType;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelVersion;
import org.junit.jupiter.api.Test;

/**
 * mm's version rules: the GFP tables of 6.1 ({@code __GFP_ATOMIC}) and 6.12 (without it), the
 * reserve rights each derives from GFP flags (6.1 {@code gfp_to_alloc_flags} with ALLOC_HARDER,
 * 6.12 with ALLOC_NON_BLOCK, ALLOC_MIN_RESERVE and ALLOC_HIGHATOMIC), the order limit's name,
 * and that a GFP_ATOMIC request of either kernel digs equally deep and reserves a HighAtomic
 * pageblock alike.
 */
class MmKernelTest {
    private static final MmKernel V61 = MmKernel.of(KernelVersion.parse("6.1"));
    private static final MmKernel V612 = MmKernel.of(KernelVersion.parse("6.12"));

    @Test
    void gfpTables() {
        assertEquals(0xa20, V61.gfpAtomic());
        assertEquals(0x200, V61.gfp("__GFP_ATOMIC"));
        assertEquals(0x820, V612.gfpAtomic());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> V612.gfp("__GFP_ATOMIC"));
        assertEquals("gfp flag '__GFP_ATOMIC': Linux 6.12 has no such flag", e.getMessage());
        assertEquals("GFP_ATOMIC", V61.formatGfp(0xa20));
        assertEquals("GFP_ATOMIC", V612.formatGfp(0x820));
        assertEquals("GFP_NOWAIT|__GFP_HIGH", V61.formatGfp(0x820), "6.12's GFP_ATOMIC read by 6.1's table");
        assertEquals("GFP_ATOMIC|0x200", V612.formatGfp(0xa20), "the unused bit 0x200 has no name in 6.12");
        assertEquals("GFP_KERNEL|GFP_DMA", V612.formatGfp(GFP_KERNEL | 0x01));
        assertTrue(V61.gfpNames().contains("__GFP_ATOMIC"));
        assertTrue(!V612.gfpNames().contains("__GFP_ATOMIC") && V612.gfpNames().contains("GFP_ATOMIC"));
    }

    @Test
    void orderLimitIsTheSameBlockNamedTwoWays() {
        assertEquals(10, V61.maxPageOrder());
        assertEquals(10, V612.maxPageOrder());
        assertEquals(1024, V612.maxOrderNrPages());
        assertEquals("MAX_ORDER is 11", V61.orderLimit());
        assertEquals("MAX_PAGE_ORDER is 10", V612.orderLimit());
        BuddyAllocator a = Machines.toyBooted(BuddyOptions.defaults().withKernel(V612));
        long p = a.allocPages(GFP_KERNEL, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.freePages(p, 11));
        assertTrue(e.getMessage().contains("order must be 0..10 (MAX_PAGE_ORDER is 10)"), e.getMessage());
    }

    @Test
    void reserveRightsPerKernel() {
        int atomic61 = V61.gfpAtomic();
        int atomic612 = V612.gfpAtomic();
        int harder = ALLOC_MIN_QUARTER | ALLOC_RESERVES | ALLOC_HIGHATOMIC;
        assertEquals(ALLOC_MIN_HALF | harder | NO_CPUSET, V61.reserveFlags(atomic61, 0));
        assertEquals(ALLOC_MIN_HALF | NO_CPUSET, V61.reserveFlags(atomic61 | __GFP_NOMEMALLOC, 0));
        assertEquals(0, V61.reserveFlags(GFP_NOWAIT, 2), "6.1: not blocking is no right of its own");
        assertEquals(ALLOC_MIN_HALF, V61.reserveFlags(GFP_KERNEL | __GFP_HIGH, 0));

        int nonBlock = ALLOC_RESERVES | ALLOC_HIGHATOMIC_FALLBACK;
        assertEquals(ALLOC_MIN_HALF | ALLOC_MIN_QUARTER | nonBlock | NO_CPUSET, V612.reserveFlags(atomic612, 0));
        assertEquals(ALLOC_MIN_HALF | ALLOC_MIN_QUARTER | nonBlock | ALLOC_HIGHATOMIC | NO_CPUSET,
            V612.reserveFlags(atomic612, 2), "ALLOC_HIGHATOMIC for order > 0 only");
        assertEquals(nonBlock | ALLOC_HIGHATOMIC, V612.reserveFlags(GFP_NOWAIT, 2),
            "6.12: GFP_NOWAIT may use the HighAtomic reserve, not the min reserve");
        assertEquals(ALLOC_MIN_HALF | ALLOC_RESERVES, V612.reserveFlags(GFP_KERNEL | __GFP_HIGH, 0));
        assertEquals(ALLOC_MIN_HALF | ALLOC_RESERVES | NO_CPUSET, V612.reserveFlags(atomic612 | __GFP_NOMEMALLOC, 0));
        assertEquals(0, V612.reserveFlags(GFP_KERNEL, 3));
    }

    @Test
    void atomicRequestsOfBothKernelsDigToTheSameFloor() {
        for (MmKernel k : List.of(V61, V612)) {
            BuddyAllocator a = Machines.toyBooted(BuddyOptions.defaults().withKernel(k));
            while (a.allocPages(GFP_KERNEL | __GFP_NOWARN, 0) != PageAllocator.NO_PAGE) {
                // down to min
            }
            while (a.allocPages(k.gfpAtomic() | __GFP_NOWARN, 0) != PageAllocator.NO_PAGE) {
                // down to the atomic floor
            }
            Zone normal = a.zone(ZoneType.NORMAL);
            long min = normal.wmarkMin;
            min -= min / 2;
            min -= min / 4;
            long free = normal.freePages - normal.freeCma;
            assertTrue(free <= min && free > min - a.pcpBatch(ZoneType.NORMAL), "Linux " + k.kernel() + ": " + free
                + " free, floor " + min);
            a.checkInvariants();
        }
    }

    @Test
    void aHighOrderAtomicRequestReservesAHighAtomicPageblockInBothKernels() {
        for (MmKernel k : List.of(V61, V612)) {
            BuddyAllocator a = Machines.toyBooted(BuddyOptions.defaults().withMinFreeKbytes(1_000_000).withKernel(k));
            assertEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_KERNEL | __GFP_NOWARN, 2));
            long p = a.allocPages(k.gfpAtomic(), 2);
            assertNotEquals(PageAllocator.NO_PAGE, p, "Linux " + k.kernel());
            assertEquals(MigrateType.HIGHATOMIC, a.pageblockMigratetype(p), "Linux " + k.kernel());
            a.checkInvariants();
        }
    }

    @Test
    void anUnmodelledKernelIsRefusedNamingTheModelledOnes() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> MmKernel.of(KernelVersion.parse("5.15")));
        assertEquals("kernel 5.15: mm (the page allocator) models 6.1, 6.12 only", e.getMessage());
    }
}
