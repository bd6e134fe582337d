package org.dmasim.mm.buddy;

import static org.dmasim.api.mm.Gfp.GFP_HIGHUSER_MOVABLE;
import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.dmasim.api.mm.Gfp.__GFP_ZERO;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.mm.MigrationStats;
import org.dmasim.api.mm.MovablePageOwner;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.api.Test;

/** Movable owners, alloc_contig_range migration, __GFP_ZERO, /proc/meminfo. */
class MigrationTest {
    /** Normal [0x10000, 0x20000): the upper half is CMA, so movable allocations soon use CMA. */
    static BuddyAllocator halfCma() {
        List<PfnRange> mem = List.of(new PfnRange(0x10000, 0x20000));
        BuddyAllocator a = BuddyAllocator.create(List.of(ZoneSpec.empty(ZoneType.DMA), ZoneSpec.empty(ZoneType.DMA32),
            Machines.zone(ZoneType.NORMAL, 0x10000, 0x20000, mem), ZoneSpec.empty(ZoneType.MOVABLE)), mem);
        a.freeBootMemory(0x10000, 0x18000);
        for (long pfn = 0x18000; pfn < 0x20000; pfn += 512) {
            a.initCmaReservedPageblock(pfn);
        }
        a.setupPerZoneWmarks();
        a.attachMemory(new TestMemory(mem));
        return a;
    }

    static boolean inCma(long pfn) {
        return pfn >= 0x18000 && pfn < 0x20000;
    }

    record Move(long from, long to, int order) {
    }

    @Test
    void ownedBlocksMoveOutWithTheirContentsAndTheOwnerIsTold() {
        BuddyAllocator a = halfCma();
        TestMemory mem = (TestMemory) a.memory().orElseThrow();
        List<Move> moves = new ArrayList<>();
        MovablePageOwner owner = (from, to, order) -> moves.add(new Move(from, to, order));
        long blk = -1;
        for (int i = 0; i < 100 && blk < 0; i++) {
            long p = a.allocPages(GFP_HIGHUSER_MOVABLE, 2, owner);
            if (inCma(p)) {
                blk = p;
            }
        }
        assertTrue(blk >= 0, "an owned order-2 block in the CMA area");
        byte[] data = new byte[4 * 4096];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        mem.write(Page.pfnPhys(blk), data);
        long start = blk & ~511L;
        assertEquals(0, a.allocContigRange(start, start + 512));
        assertEquals(1, moves.size(), "the owner hears about exactly its block in the range: " + moves);
        Move m = moves.get(0);
        assertEquals(blk, m.from());
        assertEquals(2, m.order());
        assertFalse(m.to() >= start && m.to() < start + 512, "the target lies outside the range");
        assertEquals(2, a.allocatedOrder(m.to()));
        assertArrayEquals(data, mem.read(Page.pfnPhys(m.to()), data.length), "contents moved");
        for (long p = start; p < start + 512; p++) {
            assertEquals(0, a.allocatedOrder(p), "range page " + Long.toHexString(p) + " taken");
        }
        MigrationStats s = a.migrationStats();
        assertEquals(1, s.blocksMigrated());
        assertEquals(4, s.pagesMigrated());
        assertEquals(16384, s.bytesCopied());
        assertEquals(0, s.failures());
        assertTrue(s.nanos() > 0);
        a.checkInvariants();
        // The migrated block is owned at its new place: freeing it works, the old pfn is no block.
        a.freePages(m.to(), 2);
        long old = blk;
        assertThrows(IllegalArgumentException.class, () -> a.freePages(old, 2));
        a.freeContigRange(start, 512);
        a.drainAllPages();
        a.checkInvariants();
    }

    @Test
    void aMigratedBlockStraddlingTheIsolationBoundaryIsSplitThere() {
        for (boolean upperHalf : new boolean[] {true, false}) {
            BuddyAllocator a = halfCma();
            List<Move> moves = new ArrayList<>();
            long blk = -1;
            for (int i = 0; i < 40 && blk < 0; i++) {
                long p = a.allocPages(GFP_HIGHUSER_MOVABLE, 10, (f, t, o) -> moves.add(new Move(f, t, o)));
                if (inCma(p)) {
                    blk = p;
                }
            }
            assertTrue(blk >= 0, "an owned order-10 block in the CMA area");
            // The range covers one of the block's two pageblocks only.
            long start = upperHalf ? blk + 512 : blk;
            assertEquals(0, a.allocContigRange(start + 8, start + 500));
            assertEquals(1, moves.size());
            a.checkInvariants(); // NR_FREE_PAGES matches the lists: the old block was split at the boundary
            a.freeContigRange(start + 8, 492);
            a.drainAllPages();
            a.checkInvariants();
        }
    }

    @Test
    void unownedMovableOrPinnedPagesKeepTheRangeBusyAndChangeNothing() {
        BuddyAllocator a = halfCma();
        long blk = -1;
        for (int i = 0; i < 100 && blk < 0; i++) {
            long p = a.allocPages(GFP_HIGHUSER_MOVABLE, 0);
            if (inCma(p)) {
                blk = p;
            }
        }
        assertTrue(blk >= 0);
        long start = blk & ~511L;
        String before = a.dumpState();
        assertEquals(-BuddyAllocator.EBUSY, a.allocContigRange(start, start + 512));
        assertEquals(before, a.dumpState(), "a busy attempt changes nothing");
        assertEquals(new MigrationStats(0, 0, 0, 1, 0), a.migrationStats());
        // Pages taken by an earlier alloc_contig_range are pinned too.
        long other = start == 0x18000 ? 0x18200 : 0x18000;
        assertEquals(0, a.allocContigRange(other + 16, other + 32));
        assertEquals(-BuddyAllocator.EBUSY, a.allocContigRange(other, other + 64));
        assertEquals(2, a.migrationStats().failures());
        a.checkInvariants();
    }

    @Test
    void contigRangeDrainsPcpPagesOfTheRange() {
        BuddyAllocator a = halfCma();
        assertEquals(0, a.allocContigRange(0x18000, 0x18100));
        a.freeContigRange(0x18000, 0x100);
        assertEquals(0x100, a.pcpCount(ZoneType.NORMAL, 0), "freed CMA pages sit on the movable pcp list");
        long cmaFree = a.zone(ZoneType.NORMAL).freeCma;
        assertEquals(0, a.allocContigRange(0x18000, 0x18200), "the drain makes them free again");
        assertEquals(0, a.pcpPages());
        assertEquals(cmaFree + 0x100 - 0x200, a.zone(ZoneType.NORMAL).freeCma);
        a.checkInvariants();
    }

    @Test
    void ownersNeedMovableAllocations() {
        BuddyAllocator a = halfCma();
        String before = a.dumpState();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> a.allocPages(GFP_KERNEL, 0, (f, t, o) -> { }));
        assertTrue(e.getMessage().contains("gfp lacks __GFP_MOVABLE"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.allocPages(GFP_HIGHUSER_MOVABLE, 0, null));
        assertThrows(IllegalArgumentException.class, () -> a.allocPages(GFP_HIGHUSER_MOVABLE, -1, (f, t, o) -> { }));
        assertEquals(before, a.dumpState());
    }

    @Test
    void gfpZeroFillsTheBlockOthersLeaveContentsAlone() {
        BuddyAllocator a = halfCma();
        TestMemory mem = (TestMemory) a.memory().orElseThrow();
        long p = a.allocPages(GFP_KERNEL, 0);
        mem.write(Page.pfnPhys(p), new byte[] {1, 2, 3});
        a.freePages(p, 0);
        assertEquals(p, a.allocPages(GFP_KERNEL, 0), "the hot page comes back from the pcp list");
        assertArrayEquals(new byte[] {1, 2, 3}, mem.read(Page.pfnPhys(p), 3), "no zeroing without __GFP_ZERO");
        a.freePages(p, 0);
        assertEquals(p, a.allocPages(GFP_KERNEL | __GFP_ZERO, 0));
        assertArrayEquals(new byte[3], mem.read(Page.pfnPhys(p), 3));
        assertTrue(a.zeroRequested(p));
        long q = a.allocPages(GFP_KERNEL, 4);
        mem.write(Page.pfnPhys(q) + 15 * 4096 + 4095, new byte[] {9});
        a.freePages(q, 4);
        long r = a.allocPages(GFP_KERNEL | __GFP_ZERO, 4);
        assertEquals(q, r);
        assertEquals(0, mem.read(Page.pfnPhys(r) + 15 * 4096 + 4095, 1)[0], "the whole order-4 block is zeroed");
    }

    @Test
    void meminfoPrintsTheKernelsColumns() {
        BuddyAllocator x86 = Machines.x86Booted4G();
        // 3840 + 756704 + 245760 managed pages = 4025216 kB.
        assertEquals("MemTotal:        4025216 kB\nMemFree:         4025216 kB\n", x86.meminfo());
        x86.allocPages(GFP_KERNEL, 0);
        assertEquals("MemTotal:        4025216 kB\nMemFree:         4024964 kB\n", x86.meminfo(),
            "the 63-page refill left MemFree; 62 of them wait on the pcp list");
        BuddyAllocator toy = Machines.toyBooted();
        String m = toy.meminfo();
        assertTrue(m.endsWith("CmaTotal:          32768 kB\nCmaFree:           32768 kB\n"), m);
        assertTrue(m.startsWith("MemTotal:         744192 kB\nMemFree:   "), m);
        for (String line : m.split("\n")) {
            assertTrue(line.matches("[A-Za-z]+: +\\d+ kB") && line.length() == 27, "label + %8lu: '" + line + "'");
        }
    }
}
