package org.dmasim.platform.memblock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.Memblock.Region;
import org.junit.jupiter.api.Test;

class MemblockImplTest {
    private static final long G = 1L << 30;
    private static final long M = 1L << 20;

    private static MemblockImpl fourGigAt1G() {
        MemblockImpl mb = new MemblockImpl();
        mb.addMemory(0x40000000L, 4 * G);
        return mb;
    }

    @Test
    void topDownAllocationsStackBelowEachOther() {
        MemblockImpl mb = fourGigAt1G();
        long a = mb.allocRange(64 * M, 2 * M, 0, 0x100000000L);
        long b = mb.allocRange(64 * M, 4096, 0, 0x100000000L);
        assertEquals(0xfc000000L, a);
        assertEquals(0xf8000000L, b);
    }

    @Test
    void exclusiveLimitOfAllocLowLeavesTheTopPageFree() {
        MemblockImpl mb = fourGigAt1G();
        // memblock_alloc_low on arm64 passes ARCH_LOW_ADDRESS_LIMIT = 0xffffffff as an exclusive end.
        assertEquals(0xfbfff000L, mb.allocTryNid(64 * M, 4096, 0, 0xffffffffL));
    }

    @Test
    void bottomUpFindsTheLowestFit() {
        MemblockImpl mb = new MemblockImpl();
        mb.addMemory(0, 8 * G);
        mb.setBottomUp(true);
        assertEquals(4 * G, mb.allocRange(64 * M, 2 * M, 4 * G, 8 * G));
    }

    @Test
    void firstPageIsNeverReturned() {
        MemblockImpl mb = new MemblockImpl();
        mb.addMemory(0, 8192);
        mb.setBottomUp(true);
        assertEquals(4096, mb.allocRange(4096, 4096, 0, 8192));
        assertEquals(0, mb.allocRange(4096, 4096, 0, 8192));
    }

    @Test
    void adjacentRegionsMergeAndOverlapsKeepTheirFlags() {
        MemblockImpl mb = new MemblockImpl();
        mb.addMemory(0x1000, 0x1000);
        mb.addMemory(0x2000, 0x1000);
        assertEquals(List.of(new Region(0x1000, 0x2000, 0)), mb.memory());
        mb.markNomap(0x1800, 0x100);
        assertEquals(3, mb.memory().size());
        mb.clearNomap(0x1800, 0x100);
        assertEquals(List.of(new Region(0x1000, 0x2000, 0)), mb.memory());
    }

    @Test
    void nomapMemoryIsNotFree() {
        MemblockImpl mb = fourGigAt1G();
        mb.markNomap(0xf0000000L, 0x10000000L);
        assertEquals(0xec000000L, mb.allocRange(64 * M, 2 * M, 0, 0x100000000L));
        assertTrue(mb.isMemory(0xf0000000L));
    }

    @Test
    void capMemoryKeepsTheFirstBytesOfRam() {
        MemblockImpl mb = new MemblockImpl();
        mb.addMemory(0x40000000L, 2 * G);
        mb.addMemory(0x400000000L, 2 * G);
        mb.reserve(0x400000000L + M, M);
        mb.capMemory(3 * G);
        assertEquals(0x400000000L + G, mb.endOfDram());
        assertEquals(3 * G, mb.physMemSize());
        assertEquals(M, mb.reservedSize());
    }

    @Test
    void freeRangesSubtractReservations() {
        MemblockImpl mb = new MemblockImpl();
        mb.addMemory(0, 0x10000);
        mb.reserve(0x2000, 0x1000);
        mb.reserve(0x2800, 0x1000);
        assertEquals(List.of(new Region(0, 0x2000, 0), new Region(0x3800, 0xc800, 0)), mb.freeRanges());
        assertTrue(mb.isRegionReserved(0x3000, 0x100));
        assertFalse(mb.isRegionReserved(0x4000, 0x100));
        mb.free(0x2000, 0x1800);
        assertEquals(0, mb.reservedSize());
    }

    @Test
    void failedAllocationChangesNothing() {
        MemblockImpl mb = fourGigAt1G();
        List<Region> before = mb.reserved();
        assertEquals(0, mb.allocRange(8 * G, 4096, 0, Memblock.ALLOC_ANYWHERE));
        assertEquals(before, mb.reserved());
    }

    @Test
    void untilResizingIsAllowedEachArrayHolds128RegionsAndAFullOneChangesNothing() {
        MemblockImpl mb = new MemblockImpl();
        for (int i = 0; i < RegionArray.INIT_MEMBLOCK_REGIONS; i++) {
            mb.addMemory(i * 2 * M, M);
            assertEquals(0, mb.lastError());
        }
        List<Region> before = mb.memory();
        mb.addMemory(1000 * M, M);
        assertEquals(-org.dmasim.api.boot.Errno.ENOMEM, mb.lastError());
        assertEquals(before, mb.memory(), "memblock_add_range fails as a whole");
        mb.addMemory(M, M);
        assertEquals(-org.dmasim.api.boot.Errno.ENOMEM, mb.lastError(),
            "memblock_add_range counts the new piece before merging, so even filling a gap fails");
        mb.markNomap(2 * M, 4096);
        assertEquals(-org.dmasim.api.boot.Errno.ENOMEM, mb.lastError(), "memblock_isolate_range wants two free slots");
        assertEquals(before, mb.memory());
        mb.reserve(0, 4096);
        assertEquals(0, mb.lastError(), "memblock.reserved has its own 128 slots");

        mb.allowResize();
        mb.addMemory(1000 * M, M);
        assertEquals(0, mb.lastError());
        assertTrue(mb.isMemory(1000 * M));
    }

    @Test
    void anAllocationWhoseReservationDoesNotFitFails() {
        MemblockImpl mb = new MemblockImpl();
        mb.addMemory(0, 4 * G);
        for (int i = 0; i < RegionArray.INIT_MEMBLOCK_REGIONS; i++) {
            mb.reserve(16 * M + i * 2 * M, 4096);
        }
        assertEquals(0, mb.allocRange(M, 4096, 0, 4 * G));
        List<Region> reserved = mb.reserved();
        assertEquals(RegionArray.INIT_MEMBLOCK_REGIONS, reserved.size());
    }
}
