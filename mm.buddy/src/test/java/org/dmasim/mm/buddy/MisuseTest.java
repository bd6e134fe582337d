package org.dmasim.mm.buddy;

import static org.dmasim.api.mm.Gfp.GFP_HIGHUSER_MOVABLE;
import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Misuse is rejected with a message naming the pfn, the order and the rule; state is untouched. */
class MisuseTest {
    private static void rejected(BuddyAllocator a, Executable call, String... fragments) {
        String before = a.dumpState();
        long free = a.freePages();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        assertEquals(before, a.dumpState(), "state changed by a rejected call: " + e.getMessage());
        assertEquals(free, a.freePages());
        a.checkInvariants();
    }

    @Test
    void freeingWhatWasNotAllocatedAsSuch() {
        BuddyAllocator a = Machines.toyBooted();
        long p = a.allocPages(GFP_KERNEL, 3);
        long q = a.allocPages(GFP_HIGHUSER_MOVABLE, 0);
        a.freePages(q, 0);

        rejected(a, () -> a.freePages(p, 2), String.format("pfn %#x", p), "order 2", "allocated with order 3");
        rejected(a, () -> a.freePages(p, 4), "order 4", "allocated with order 3");
        rejected(a, () -> a.freePages(p + 1, 0), String.format("pfn %#x", p + 1),
            "not the head of an allocated block", String.format("order-3 block at pfn %#x", p));
        rejected(a, () -> a.freePages(q, 0), "double free");
        rejected(a, () -> a.freePages(p, 11), "order must be 0..10");
        rejected(a, () -> a.freePages(p, -1), "order must be 0..10");
        // Reserved memory (never handed over), a hole, and pfns no zone spans.
        rejected(a, () -> a.freePages(0x2000, 0), "pfn 0x2000", "reserved");
        rejected(a, () -> a.freePages(0xe100, 0), "memory hole");
        rejected(a, () -> a.freePages(0x0, 0), "outside every zone");
        rejected(a, () -> a.freePages(0x40000000L, 0), "outside every zone");
        // Double free inside a free block of an implicit (never materialised) section.
        assertEquals(SectionTable.FREE_RUN, a.st.kind[a.st.sectionOf(0x18000)]);
        rejected(a, () -> a.freePages(0x18401, 0), "double free", "free order-10 block at pfn 0x18400");
        rejected(a, () -> a.freePages(0x28400, 0), "double free", "heads a free order-10 block");
        rejected(a, () -> a.freePages(0x28401, 1), "double free", "inside the free order-10 block at pfn 0x28400");

        a.freePages(p, 3);
        rejected(a, () -> a.freePages(p, 3), "double free");
        a.checkInvariants();
    }

    @Test
    void bootCallsRejectMemoryTheAllocatorAlreadyOwnsOrThatDoesNotExist() {
        BuddyAllocator a = Machines.toyBooted();
        rejected(a, () -> a.freeBootMemory(0x10000, 0x10010), "already belongs to the allocator");
        rejected(a, () -> a.freeBootMemory(0x18000, 0x18010), "already belongs to the allocator (it is free)");
        rejected(a, () -> a.freeBootMemory(0x28000, 0x30000), "pfn 0x28000 already belongs to the allocator",
            "free order-10");
        rejected(a, () -> a.freeBootMemory(0xdfff, 0xe001), "pfn 0xe000 is not present memory");
        rejected(a, () -> a.freeBootMemory(0x1ffff, 0x20001), "pfn 0x1ffff already belongs");
        rejected(a, () -> a.freeBootMemory(0x2000, 0x2000), "empty");
        rejected(a, () -> a.initCmaReservedPageblock(0x2100), "pageblock aligned");
        rejected(a, () -> a.initCmaReservedPageblock(0x10000), "already belongs");
        // A range straddling reserved and free pages is refused as a whole.
        rejected(a, () -> a.freeBootMemory(0x2400, 0x2440), "pfn 0x2433");
        BuddyAllocator noCma = BuddyAllocator.create(Machines.toyZones(), Machines.TOY_MEM,
            BuddyOptions.defaults().withCmaConfigured(false));
        assertThrows(IllegalStateException.class, () -> noCma.initCmaReservedPageblock(0x20000));
    }

    @Test
    void contigRangeMisuse() {
        BuddyAllocator a = Machines.toyBooted();
        rejected(a, () -> a.allocContigRange(0x18000, 0x18010), "pageblock 0x18000 is Movable, not CMA");
        rejected(a, () -> a.allocContigRange(0x20010, 0x20010), "empty");
        long p = a.allocPages(GFP_KERNEL, 1);
        rejected(a, () -> a.freeContigRange(p, 2), "allocated with order 1");
        rejected(a, () -> a.freeContigRange(0x20000, 1), "double free");
    }

    @Test
    void invalidConstruction() {
        List<PfnRange> mem = List.of(new PfnRange(0x100, 0x200));
        assertThrows(IllegalArgumentException.class, () -> BuddyAllocator.create(List.of(), mem));
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class, () -> BuddyAllocator.create(
            List.of(ZoneSpec.empty(ZoneType.NORMAL), ZoneSpec.empty(ZoneType.DMA)), mem));
        assertTrue(order.getMessage().contains("zone order"), order.getMessage());
        IllegalArgumentException present = assertThrows(IllegalArgumentException.class, () -> BuddyAllocator.create(
            List.of(new ZoneSpec(ZoneType.NORMAL, 0x100, 0x100, 0x80)), mem));
        assertTrue(present.getMessage().contains("present_pages 128") && present.getMessage().contains("256"),
            present.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BuddyAllocator.create(
            List.of(new ZoneSpec(ZoneType.NORMAL, 0x100, 0x100, 0x100)),
            List.of(new PfnRange(0x100, 0x180), new PfnRange(0x170, 0x200))));
        assertThrows(IllegalArgumentException.class, () -> new PfnRange(5, 5));
        assertThrows(IllegalArgumentException.class, () -> new ZoneSpec(ZoneType.DMA, 0, 10, 11));
    }
}
