package org.dmasim.cma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.platform.LogLine;
import org.dmasim.testing.FakePageAllocator;
import org.junit.jupiter.api.Test;

/** cma_alloc placement: first fit, alignment, the offset rule, exact page counts, busy retries. */
class CmaAllocTest {
    private static final long SZ_PAGES_512K = 128;

    /** get_order(size) capped at CONFIG_CMA_ALIGNMENT 8, as dma_alloc_contiguous does. */
    private static int dmaAlign(long pages) {
        int order = 0;
        while ((1L << order) < pages) {
            order++;
        }
        return Math.min(order, 8);
    }

    @Test
    void oracleOffsetsAtomicPoolsThenDriverAllocations() {
        TestAreas t = TestAreas.oracleDefault();
        long base = t.cma.basePfn();
        // atomic pools: kernel, dma, dma32, 512 KiB each, no_warn
        assertEquals(base, t.cma.alloc(SZ_PAGES_512K, 7, true));
        assertEquals(base + 0x80, t.cma.alloc(SZ_PAGES_512K, 7, true));
        assertEquals(base + 0x100, t.cma.alloc(SZ_PAGES_512K, 7, true));
        // a driver: 20 KiB, 64 KiB, 1 MiB, each aligned to its own order
        long p20k = t.cma.alloc(5, dmaAlign(5), false);
        long p64k = t.cma.alloc(16, dmaAlign(16), false);
        long p1m = t.cma.alloc(256, dmaAlign(256), false);
        assertEquals(0xfc000000L + 0x180000, p20k << 12);
        assertEquals(0xfc000000L + 0x190000, p64k << 12);
        assertEquals(0xfc000000L + 0x200000, p1m << 12);
        // exactly the requested pages, not a power of two
        assertEquals(3 * 128 + 5 + 16 + 256, t.cma.used());
        assertArrayEquals(new long[] {p20k, p20k + 5}, t.pages.contigCalls().get(3));
        assertEquals(3 * 128 + 5 + 16 + 256, t.pages.takenPages());
    }

    @Test
    void firstFitReusesTheLowestHoleThatFits() {
        TestAreas t = new TestAreas("a", 0x40000, 512, 0);
        long a = t.cma.alloc(8, 0, false);
        long b = t.cma.alloc(8, 0, false);
        long c = t.cma.alloc(8, 0, false);
        assertEquals(0x40008, b);
        assertTrue(t.cma.release(b, 8));
        assertEquals(0x40008, t.cma.alloc(3, 0, false), "3 pages go to the first hole");
        assertEquals(0x4000b, t.cma.alloc(5, 0, false), "the rest of the hole fits 5 exactly");
        assertEquals(c + 8, t.cma.alloc(1, 0, false), "nothing left below c");
        assertEquals(0x40000, a);
    }

    @Test
    void alignmentIsInPhysicalPfnSpaceWhenTheBaseIsNotAlignedToTheOrder() {
        // a pageblock-aligned base (0x40200) that is not aligned to order 10 (1024 pages)
        TestAreas t = new TestAreas("off", 0x40200, 2048, 0);
        assertEquals(0x40400, t.cma.alloc(1, 10, false), "offset 0x200 makes pfn 0x40400 the first aligned start");
        assertEquals(0x40200, t.cma.alloc(1, 9, false), "order 9: the base itself is aligned");
        assertEquals(0x40800, t.cma.alloc(1, 10, false));
        assertEquals(-1, t.cma.alloc(1, 11, true), "no pfn in [0x40200, 0x40a00) is 2048-aligned but 0x40800, taken");
    }

    @Test
    void orderPerBitRoundsTheBitmapButTakesExactPages() {
        TestAreas t = new TestAreas("opb", 0x40200, 2048, 2);
        // align 10 with 4 pages per bit: mask 255 bits, offset (0x40200 & 0x3ff) >> 2 = 0x80 bits
        assertEquals(0x40400, t.cma.alloc(4, 10, false));
        long p = t.cma.alloc(5, 0, false);
        assertEquals(0x40200, p);
        assertEquals(4 + 8, t.cma.used(), "5 pages take 2 bits = 8 pages of the bitmap");
        assertArrayEquals(new long[] {p, p + 5}, t.pages.contigCalls().get(1), "alloc_contig_range gets exactly 5 pages");
        assertEquals(0x40208, t.cma.alloc(1, 0, false), "the next bit starts 8 pages on");
        assertEquals(4 + 8 + 4, t.cma.used());
    }

    @Test
    void alignBelowOrderPerBitNeedsNoMask() {
        TestAreas t = new TestAreas("opb", 0x40000, 512, 3);
        assertEquals(0x40000, t.cma.alloc(1, 2, false));
        assertEquals(0x40008, t.cma.alloc(1, 3, false));
        assertEquals(0x40010, t.cma.alloc(1, 0, false));
    }

    @Test
    void busyRangeIsClearedAndTheSearchResumesOneMaskPastTheFailedStart() {
        TestAreas t = new TestAreas("busy", 0x40000, 512, 0);
        t.pages.setBusy(0x40003);
        assertEquals(0x40004, t.cma.alloc(4, 2, false));
        List<long[]> calls = t.pages.contigCalls();
        assertEquals(2, calls.size());
        assertArrayEquals(new long[] {0x40000, 0x40004}, calls.get(0));
        assertArrayEquals(new long[] {0x40004, 0x40008}, calls.get(1));
        assertEquals(4, t.cma.used(), "the busy attempt's bits were cleared");
        assertEquals(0x40000, t.cma.alloc(3, 0, false), "the bits before the busy page are free again");
        assertTrue(t.log.lines().isEmpty());
    }

    @Test
    void unalignedRequestsRetryOneBitAtATimeUntilPastTheBusyPage() {
        // mask 0: start = bitmap_no + 1, so 8 pages with a busy page at +3 need five attempts.
        TestAreas t = new TestAreas("busy", 0x40000, 512, 0);
        t.pages.setBusy(0x40003);
        assertEquals(0x40004, t.cma.alloc(8, 0, false));
        assertEquals(5, t.pages.contigCalls().size());
        assertEquals(8, t.cma.used());
    }

    @Test
    void lastAttemptBusyFailsWithEbusyAndNoFitWithEnomem() {
        TestAreas t = new TestAreas("reserved", 0x40000, 512, 0);
        for (long p = 0x40000; p < 0x40200; p += 64) {
            t.pages.setBusy(p + 63);
        }
        assertEquals(-1, t.cma.alloc(64, 6, false));
        assertEquals(8, t.pages.contigCalls().size(), "every aligned 64-page candidate was tried once");
        assertEquals(List.of("cma: cma_alloc: reserved: alloc failed, req-size: 64 pages, ret: -16"),
            t.log.kernelText());
        assertEquals(0, t.cma.used());
        assertEquals(LogLine.Level.ERR, t.log.lines().get(0).level());

        TestAreas u = new TestAreas("reserved", 0x40000, 512, 0);
        assertEquals(0x40000, u.cma.alloc(500, 0, false));
        assertEquals(-1, u.cma.alloc(13, 0, false));
        assertEquals(List.of("cma: cma_alloc: reserved: alloc failed, req-size: 13 pages, ret: -12"),
            u.log.kernelText());
        assertEquals(1, u.pages.contigCalls().size(), "no fit: alloc_contig_range is not called");
    }

    @Test
    void anotherErrorStopsAtOnceAndIsReported() {
        TestAreas t = new TestAreas("x", 0x40000, 512, 0);
        t.pages.forcedError = -4; // -EINTR: a fatal signal during migration
        assertEquals(-1, t.cma.alloc(2, 0, false));
        assertEquals(1, t.pages.contigCalls().size());
        assertEquals(List.of("cma: cma_alloc: x: alloc failed, req-size: 2 pages, ret: -4"), t.log.kernelText());
        assertEquals(0, t.cma.used());
    }

    @Test
    void noWarnSuppressesTheMessageButNotTheCounters() {
        TestAreas t = new TestAreas("x", 0x40000, 512, 0);
        t.cma.alloc(512, 0, false);
        assertEquals(-1, t.cma.alloc(1, 0, true));
        assertTrue(t.log.lines().isEmpty());
        assertEquals(1, t.globals.allocFail.get());
        assertEquals(1, t.cma.allocPagesFail());
    }

    @Test
    void countZeroAndOversizeFailSilentlyButCount() {
        TestAreas t = new TestAreas("x", 0x40000, 512, 0);
        assertEquals(-1, t.cma.alloc(0, 0, false));
        assertEquals(-1, t.cma.alloc(513, 0, false));
        assertTrue(t.log.lines().isEmpty(), "both leave cma_alloc before the message");
        assertEquals(2, t.globals.allocFail.get());
        assertEquals(513, t.cma.allocPagesFail());
        assertEquals(0, t.pages.contigCalls().size());
    }

    @Test
    void countersCountCallsAndPages() {
        TestAreas t = new TestAreas("x", 0x40000, 512, 0);
        t.cma.alloc(5, 0, false);
        t.cma.alloc(7, 3, false);
        t.cma.alloc(600, 0, true);
        t.pages.forcedError = -16;
        t.cma.alloc(3, 0, true);
        assertEquals(2, t.globals.allocSuccess.get());
        assertEquals(2, t.globals.allocFail.get());
        assertEquals(12, t.cma.allocPagesSuccess());
        assertEquals(603, t.cma.allocPagesFail());
        assertEquals("12\n", t.cma.sysfs().get("alloc_pages_success"));
        assertEquals("603\n", t.cma.sysfs().get("alloc_pages_fail"));
    }

    @Test
    void failureMessageIsRatelimitedTenPerFiveSeconds() {
        TestAreas t = new TestAreas("reserved", 0x40000, 512, 0);
        t.cma.alloc(512, 0, false);
        for (int i = 0; i < 13; i++) {
            t.cma.alloc(1, 0, false);
        }
        assertEquals(10, t.log.kernelText().size());
        t.clock.addAndGet(5_000_000_000L);
        t.cma.alloc(1, 0, false);
        assertEquals(10, t.log.kernelText().size(), "exactly 5 s later is still the same interval");
        t.clock.addAndGet(1);
        t.cma.alloc(2, 0, false);
        List<LogLine> lines = t.log.lines();
        assertEquals(12, lines.size());
        assertEquals("cma_alloc: 4 callbacks suppressed", lines.get(10).text());
        assertEquals(LogLine.Level.WARNING, lines.get(10).level());
        assertEquals("cma: cma_alloc: reserved: alloc failed, req-size: 2 pages, ret: -12", lines.get(11).text());
        assertEquals(15, t.globals.allocFail.get(), "suppressed messages still count");
    }

    @Test
    void inactiveOrDroppedAreaReturnsNullAndCounts() {
        TestAreas t = new TestAreas("gone", 0x40000, 512, 0);
        t.cma.drop();
        assertEquals(0, t.cma.count());
        assertFalse(t.cma.active());
        assertEquals(-1, t.cma.alloc(1, 0, false));
        assertTrue(t.log.lines().isEmpty());
        assertEquals(1, t.globals.allocFail.get());
        assertFalse(t.cma.release(0x40000, 1), "a dropped area owns no pfn");
    }

    @Test
    void badArgumentsAreRejectedNamingTheRuleAndChangeNothing() {
        TestAreas t = new TestAreas("x", 0x40000, 512, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.cma.alloc(-1, 0, false));
        assertEquals("cma_alloc: x: count -1: the page count must not be negative", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.cma.alloc(1, 64, false));
        assertEquals("cma_alloc: x: align 64: the alignment order must be 0..63", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.cma.alloc(1, -1, false));
        assertEquals(0, t.globals.allocFail.get() + t.globals.allocSuccess.get());
        assertEquals(0, t.cma.used());
    }

    @Test
    void hugeAlignmentFailsLikeTheKernelInsteadOfWrapping() {
        TestAreas t = new TestAreas("x", 0x40000, 512, 0);
        assertEquals(-1, t.cma.alloc(1, 63, true));
        assertEquals(-1, t.cma.alloc(1, 40, true));
        assertEquals(0, t.pages.contigCalls().size());
        assertEquals(0x40000, t.cma.alloc(1, 18, true), "0x40000 is 2^18-aligned");
    }

    @Test
    void anAllocatorThatThrowsLeavesTheBitmapAsItWas() {
        TestAreas t = new TestAreas("x", 0x40000, 512, 0);
        t.pages.throwOnContig = new IllegalArgumentException("alloc_contig_range: pageblock is not CMA");
        assertThrows(IllegalArgumentException.class, () -> t.cma.alloc(4, 0, false));
        assertEquals(0, t.cma.used());
        assertEquals("512\n", t.cma.debugfs().get("maxchunk"));
        assertTrue(t.globals.cmaMutex.tryLock(), "cma_mutex was released");
        t.globals.cmaMutex.unlock();
    }
}
