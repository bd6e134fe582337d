package org.dmasim.mm.buddy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.dmasim.api.mm.MigrateType;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.api.Test;

/** memblock_free_all() and zone boundaries. */
class BootTest {
    @Test
    void everyPageStartsReservedAndUnmanaged() {
        BuddyAllocator a = BuddyAllocator.create(Machines.x86Zones4G(), Machines.X86_4G_MEM);
        assertEquals(0, a.totalRamPages());
        assertEquals(0, a.freePages());
        assertEquals(0, a.materialisedSections());
        assertEquals(MigrateType.UNMOVABLE, a.pageblockMigratetype(0x0), "pfn 0 is not memory: left Unmovable");
        assertEquals(MigrateType.MOVABLE, a.pageblockMigratetype(0x200));
        assertEquals("", a.buddyinfo().replaceAll("Node 0, zone +\\S+( +0){11} \n", ""));
        a.checkInvariants();
    }

    @Test
    void aFreeRangeIsSplitAtZoneBoundaries() {
        BuddyAllocator a = BuddyAllocator.create(Machines.x86Zones4G(), Machines.X86_4G_MEM);
        a.freeBootMemory(0x100, 0x3000);
        a.checkInvariants();
        assertEquals(0xf00, a.zone(ZoneType.DMA).managed);
        assertEquals(0x2000, a.zone(ZoneType.DMA32).managed);
        assertEquals(List.of(0x400L, 0x800L, 0xc00L), a.freeListPfns(ZoneType.DMA, 10, MigrateType.MOVABLE));
        assertEquals(List.of(0x1000L, 0x1400L, 0x1800L, 0x1c00L, 0x2000L, 0x2400L, 0x2800L, 0x2c00L),
            a.freeListPfns(ZoneType.DMA32, 10, MigrateType.MOVABLE));
        assertEquals(List.of(0x100L), a.freeListPfns(ZoneType.DMA, 8, MigrateType.UNMOVABLE),
            "pageblock 0 starts in a hole, so it kept migratetype 0 (Unmovable)");
    }

    @Test
    void unalignedZoneBoundaryNeverMerges() {
        List<PfnRange> mem = List.of(new PfnRange(0x40000, 0x48000));
        BuddyAllocator a = BuddyAllocator.create(List.of(Machines.zone(ZoneType.DMA, 0x40000, 0x40300, mem),
            ZoneSpec.empty(ZoneType.DMA32), Machines.zone(ZoneType.NORMAL, 0x40300, 0x48000, mem),
            ZoneSpec.empty(ZoneType.MOVABLE)), mem);
        a.freeBootMemory(0x40000, 0x48000);
        a.checkInvariants();
        assertEquals(List.of(0x40200L), a.freeListPfns(ZoneType.DMA, 8, MigrateType.MOVABLE));
        assertEquals(List.of(0x40300L), a.freeListPfns(ZoneType.NORMAL, 8, MigrateType.MOVABLE),
            "0x40200 and 0x40300 are order-8 buddies in different zones");
        assertEquals(0x300, a.zone(ZoneType.DMA).managed);
        // A movable DMA request takes the smallest fit; an unmovable one steals the largest.
        long x = a.allocPages(org.dmasim.api.mm.Gfp.GFP_DMA | org.dmasim.api.mm.Gfp.__GFP_MOVABLE, 8);
        assertEquals(0x40200L, x);
        a.freePages(x, 8);
        a.checkInvariants();
        assertEquals(List.of(0x40300L), a.freeListPfns(ZoneType.NORMAL, 8, MigrateType.MOVABLE));
    }

    @Test
    void wholeSectionsStayImplicitEvenWhenFreedInPieces() {
        BuddyAllocator a = Machines.toyBooted();
        // Sections 2 and 3 ([0x10000, 0x20000)) were freed whole; section 5 holds a reservation.
        assertEquals(SectionTable.FREE_RUN, a.st.kind[2]);
        assertEquals(SectionTable.FREE_RUN, a.st.kind[3]);
        assertEquals(SectionTable.MATERIALISED, a.st.kind[5]);
        // A section freed in two ascending halves ends up consecutive on the list: it folds up.
        List<PfnRange> mem = List.of(new PfnRange(0x10000, 0x18000));
        BuddyAllocator b = BuddyAllocator.create(List.of(Machines.zone(ZoneType.NORMAL, 0x10000, 0x18000, mem)), mem);
        b.freeBootMemory(0x10000, 0x14000);
        assertEquals(1, b.materialisedSections());
        b.freeBootMemory(0x14000, 0x18000);
        assertEquals(0, b.materialisedSections());
        b.checkInvariants();
    }
}
