package org.dmasim.iommu.iova;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The rules of iova.c one by one: bad input, rcache capacity, flush-and-retry, max32_alloc_size, reserve. */
class IovaDomainRulesTest {
    private static final long LIMIT_32 = 0xfffffL;

    private static void refused(String words, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void badInputIsRefusedWithTheRuleAndChangesNothing() {
        refused("granule 3000 must be a power of two", () -> new IovaDomain(3000, 1, 1));
        refused("no larger than PAGE_SIZE (4096)", () -> new IovaDomain(8192, 1, 1));
        refused("start pfn 0", () -> new IovaDomain(4096, 0, 1));
        IovaDomain d = new IovaDomain(4096, 0x10, 2);
        long pfn = d.allocFast(0, 2, LIMIT_32, false);
        d.freeFast(0, d.allocFast(0, 1, LIMIT_32, false), 1);
        List<IovaRange> before = d.ranges();
        RcacheStats cached = d.rcacheStats();
        long max32 = d.max32AllocSize();
        refused("alloc_iova_fast: size 0 granules", () -> d.allocFast(0, 0, LIMIT_32, false));
        refused("alloc_iova: size -1 granules", () -> d.alloc(-1, LIMIT_32, true));
        refused("limit pfn 0xf is below the domain's start pfn 0x10", () -> d.allocFast(0, 1, 0xf, true));
        refused("CPU 2 is not one of the domain's 0..1", () -> d.allocFast(2, 1, LIMIT_32, false));
        refused("free_iova_fast: no IOVA range holds pfn 0x5", () -> d.freeFast(0, 5, 1));
        refused("free_iova_fast: no IOVA range holds pfn 0x20", () -> d.freeFast(0, 0x20, 100));
        refused("pfn_lo 0x30 is above pfn_hi 0x20", () -> d.reserve(0x30, 0x20));
        assertFalse(d.free(0x20), "free_iova of a pfn no range holds");
        assertFalse(d.reserve(0x10, 1L << 52), "a pfn beyond 2^64 >> 12");
        assertEquals(before, d.ranges());
        assertEquals(cached, d.rcacheStats());
        assertEquals(max32, d.max32AllocSize());
        assertTrue(d.find(pfn).isPresent());
        d.checkConsistency();
    }

    @Test
    void aDestroyedDomainRefusesEveryCall() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        d.freeFast(0, d.allocFast(0, 1, LIMIT_32, false), 1);
        d.destroy();
        for (Executable call : List.<Executable>of(() -> d.allocFast(0, 1, LIMIT_32, true), () -> d.ranges(),
            () -> d.free(1), d::destroy, d::flushRcaches, d::checkConsistency)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call);
            assertTrue(e.getMessage().contains("destroyed (put_iova_domain)"), e.getMessage());
        }
    }

    @Test
    void lengthsBelow32AreRoundedAndEverySizeIsAlignedToItsPowerOfTwo() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        assertEquals(new IovaRange(0xffff8, 0xfffff, false), d.find(d.allocFast(0, 5, LIMIT_32, false)).orElseThrow());
        long p33 = d.allocFast(0, 33, LIMIT_32, false);
        assertEquals(new IovaRange(0xfffc0, 0xfffe0, false), d.find(p33).orElseThrow(), "33 kept, 64-aligned");
        long unaligned = d.alloc(3, LIMIT_32, false);
        assertEquals(0xfffbd, unaligned, "alloc_iova without size_aligned: exact length, no alignment");
        d.freeFast(0, p33, 33);
        assertTrue(d.find(p33).isEmpty(), "order 6 frees to the tree");
        assertEquals(0, d.rcacheStats().pfns());
    }

    /** 1 granule ranges from the tree, top down. */
    private static long[] fill(IovaDomain d, int n) {
        long[] pfns = new long[n];
        for (int i = 0; i < n; i++) {
            pfns[i] = d.allocFast(0, 1, LIMIT_32, false);
            assertTrue(pfns[i] != 0);
        }
        return pfns;
    }

    @Test
    void magazinesHold127TheDepot32AndTheOverflowGoesBackToTheTree() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        int cpuCap = 2 * 127;
        int depotCap = 32 * 127;
        // 254 fill loaded and prev; each further 127 frees push one full magazine to the depot
        int depotFull = cpuCap + 1 + 31 * 127;
        long[] pfns = fill(d, depotFull + 126 + 1);
        int freed = 0;
        for (; freed < cpuCap; freed++) {
            d.freeFast(0, pfns[freed], 1);
        }
        RcacheStats.Bin bin = d.rcacheStats().bins().get(0);
        assertEquals(List.of(cpuCap), bin.cpuPfns());
        assertEquals(0, bin.depotMagazines());
        d.freeFast(0, pfns[freed++], 1);
        bin = d.rcacheStats().bins().get(0);
        assertEquals(1, bin.depotMagazines(), "both full: loaded goes to the depot");
        assertEquals(List.of(127 + 1), bin.cpuPfns());
        for (; freed < depotFull; freed++) {
            d.freeFast(0, pfns[freed], 1);
        }
        bin = d.rcacheStats().bins().get(0);
        assertEquals(32, bin.depotMagazines());
        assertEquals(depotCap, bin.depotPfns());
        assertEquals(127 + 1, bin.cpuPfns().get(0));
        for (; freed < depotFull + 126; freed++) {
            d.freeFast(0, pfns[freed], 1);
        }
        assertEquals(cpuCap, d.rcacheStats().bins().get(0).cpuPfns().get(0));
        int treeBefore = d.ranges().size();
        d.freeFast(0, pfns[freed], 1); // depot full: the full loaded magazine goes to the tree
        bin = d.rcacheStats().bins().get(0);
        assertEquals(32, bin.depotMagazines());
        assertEquals(127 + 1, bin.cpuPfns().get(0));
        assertEquals(treeBefore - 127, d.ranges().size());
        // the overflowing magazine held the 127 pfns freed before the last one
        Set<Long> inTree = new HashSet<>();
        d.ranges().forEach(r -> inTree.add(r.pfnLo()));
        for (int i = 0; i < pfns.length; i++) {
            boolean overflowed = i >= freed - 127 && i < freed;
            assertEquals(!overflowed, inTree.contains(pfns[i]), "pfn index " + i);
        }
        d.checkConsistency();
        d.flushRcaches();
        assertEquals(List.of(), d.ranges());
        assertEquals(0, d.rcacheStats().pfns());
    }

    @Test
    void aFullTreeFlushesEveryCpusCacheAndRetriesOnlyWhenAsked() {
        IovaDomain d = new IovaDomain(4096, 1, 2);
        List<Long> pfns = new ArrayList<>();
        for (long p; (p = d.allocFast(0, 1, 0xff, false)) != 0;) {
            pfns.add(p);
        }
        assertEquals(255, pfns.size(), "pfns 1..0xff");
        assertEquals(1, d.max32AllocSize());
        for (long p = 0x80; p <= 0x89; p++) {
            d.freeFast(1, p, 1);
        }
        assertEquals(0, d.allocFast(0, 1, 0xff, false), "CPU 0's cache is empty and the tree full");
        assertEquals(10, d.rcacheStats().pfns());
        // flushed: cached32 moves to each removed node's successor, ending on node 0x8a
        assertEquals(0x89, d.allocFast(0, 1, 0xff, true));
        assertEquals(0, d.rcacheStats().pfns());
        assertEquals(0x88, d.allocFast(0, 1, 0xff, false));
        d.checkConsistency();
    }

    @Test
    void cpuHotplugFlushesOnlyTheDeadCpusMagazines() {
        IovaDomain d = new IovaDomain(4096, 1, 2);
        long a = d.allocFast(0, 1, LIMIT_32, false);
        long b = d.allocFast(1, 4, LIMIT_32, false);
        d.freeFast(0, a, 1);
        d.freeFast(1, b, 3);
        d.flushCpu(1);
        assertTrue(d.find(b).isEmpty());
        assertEquals(List.of(new IovaRange(a, a, false)), d.ranges());
        assertEquals(List.of(1, 0), d.rcacheStats().bins().get(0).cpuPfns());
    }

    @Test
    void aPopTakesTheTopmostPfnWhoseRangeFitsUnderTheLimit() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        long high = d.allocFast(0, 2, (1L << 36) - 1, false);
        long low = d.allocFast(0, 2, LIMIT_32, false);
        d.freeFast(0, low, 2);
        d.freeFast(0, high, 2);
        assertEquals(low, d.allocFast(0, 2, LIMIT_32, false), "the top (high) does not fit below 4 GiB");
        assertEquals(high, d.allocFast(0, 2, (1L << 36) - 1, false));
        d.freeFast(0, low, 2);
        assertEquals(0xffffe, low);
        long tree = d.allocFast(0, 2, 0xffffe, false);
        assertEquals(0xffffc, tree, "a range at 0xffffe would end above the limit: the tree is asked");
    }

    @Test
    void max32AllocSizeIsSetByAFailureAndResetOnlyByATreeRemovalBelow4G() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        d.reserve(1, 0xffff7);
        assertEquals(0, d.allocFast(0, 16, LIMIT_32, false));
        assertEquals(16, d.max32AllocSize());
        long eight = d.allocFast(0, 8, LIMIT_32, false);
        assertEquals(0xffff8, eight, "smaller requests still search");
        long above = d.allocFast(0, 64, (1L << 36) - 1, false);
        d.freeFast(0, above, 64);
        assertEquals(16, d.max32AllocSize(), "a removal above 4 GiB does not reset it");
        assertEquals(0, d.alloc(1L << 40, (1L << 36) - 1, true));
        assertEquals(1L << 40, d.max32AllocSize(), "a failed 64-bit search sets it too");
        assertTrue(d.free(eight));
        assertEquals(0x100000, d.max32AllocSize());
    }

    @Test
    void reserveGrowsTheFirstOverlapDownAndAbsorbsGapsIntoTheNextAsTheKernelDoes() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        d.reserve(10, 20);
        d.reserve(30, 40);
        assertTrue(d.reserve(5, 50));
        assertEquals(List.of(new IovaRange(5, 20, true), new IovaRange(21, 40, true), new IovaRange(41, 50, true)),
            d.ranges());
        assertTrue(d.reserve(22, 23), "inside a range: nothing new");
        assertEquals(3, d.ranges().size());
        d.checkConsistency();
    }

    @Test
    void theRetryPassSearchesTheHolesAboveTheCachedNode() {
        IovaDomain d = new IovaDomain(4096, 1, 1);
        long a = d.alloc(1, 0xf, true);
        long b = d.alloc(1, 0xf, true);
        assertEquals(List.of(0xfL, 0xeL), List.of(a, b));
        d.reserve(1, 0xd);
        assertTrue(d.free(a) && d.find(a).isEmpty());
        // cached32 moved up to the anchor: the walk from it finds 0xf again
        assertEquals(0xf, d.alloc(1, 0xf, true));
        assertEquals(0, d.alloc(1, 0xf, true));
    }
}
