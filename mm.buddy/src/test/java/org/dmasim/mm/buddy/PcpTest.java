package org.dmasim.mm.buddy;

import static org.dmasim.api.mm.Gfp.GFP_HIGHUSER_MOVABLE;
import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.dmasim.api.mm.Gfp.GFP_NOWAIT;
import static org.dmasim.api.mm.Gfp.__GFP_NOWARN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.SimCpu;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-cpu page lists: sizing, refill, drain past high, free_factor, CPUs, drains, zoneinfo. */
class PcpTest {
    @AfterEach
    void unbind() {
        SimCpu.bind(0);
    }

    @Test
    void batchAndHighFollowZoneBatchsizeAndTheLowWatermark() {
        BuddyAllocator a = Machines.x86Booted4G(); // 2 CPUs
        // Normal: 245760 managed -> min(240, 256) / 4 = 60 -> rounddown_pow_of_two(90) - 1 = 63.
        assertEquals(63, a.pcpBatch(ZoneType.NORMAL));
        // DMA32: 756704 managed -> min(738, 256) / 4 = 64 -> rounddown_pow_of_two(96) - 1 = 63.
        assertEquals(63, a.pcpBatch(ZoneType.DMA32));
        // DMA: 3840 managed -> 3 / 4 = 0 -> 1 -> rounddown_pow_of_two(1) - 1 = 0 -> max(1, 0) = 1.
        assertEquals(1, a.pcpBatch(ZoneType.DMA));
        for (ZoneType t : new ZoneType[] {ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL}) {
            Zone z = a.zone(t);
            assertEquals(Math.max(z.wmarkLow / 2, 4L * a.pcpBatch(t)), a.pcpHigh(t), t + ": low / 2 CPUs, >= 4 batch");
        }
        // Before init_per_zone_wmark_min() every pageset is the boot pageset.
        BuddyAllocator early = Machines.oneSection();
        assertEquals(0, early.pcpHigh(ZoneType.NORMAL));
        assertEquals(1, early.pcpBatch(ZoneType.NORMAL));
        long p = early.allocPages(GFP_KERNEL, 0);
        early.freePages(p, 0);
        assertEquals(0, early.pcpPages(), "high 0: every free goes straight back");
        early.checkInvariants();
    }

    @Test
    void refillTakesABatchOutOfNrFreePages() {
        BuddyAllocator a = Machines.x86Booted4G();
        Zone normal = a.zone(ZoneType.NORMAL);
        long free = normal.freePages;
        String buddyinfo = a.buddyinfo();
        long pfn = a.allocPages(GFP_KERNEL, 0);
        assertEquals(ZoneType.NORMAL, a.zoneOf(pfn).orElseThrow());
        assertEquals(62, a.pcpCount(ZoneType.NORMAL, 0), "rmqueue_bulk took 63, one handed out");
        assertEquals(free - 63, normal.freePages, "pcp pages are not in NR_FREE_PAGES");
        assertTrue(a.zoneinfo().contains("\n  pages free     " + (free - 63) + "\n"));
        assertNotEquals(buddyinfo, a.buddyinfo());
        // The refill came off the buddy in address order: the next allocations are pfn + 1, + 2 ...
        assertEquals(pfn + 1, a.allocPages(GFP_KERNEL, 0));
        a.freePages(pfn + 1, 0);
        assertEquals(pfn + 1, a.allocPages(GFP_KERNEL, 0), "LIFO: the page just freed comes back first");
        a.freePages(pfn + 1, 0);
        a.freePages(pfn, 0);
        assertEquals(63, a.pcpCount(ZoneType.NORMAL, 0));
        a.checkInvariants();
        a.drainAllPages();
        assertEquals(0, a.pcpPages());
        assertEquals(free, normal.freePages);
        assertEquals(buddyinfo, a.buddyinfo(), "drained pages coalesce back");
        a.checkInvariants();
    }

    @Test
    void freeingPastHighDrainsBatchesThatGrowWithFreeFactor() {
        BuddyAllocator a = Machines.x86Booted4G();
        int high = a.pcpHigh(ZoneType.NORMAL);
        int batch = a.pcpBatch(ZoneType.NORMAL);
        List<Long> pages = new ArrayList<>();
        for (int i = 0; i < 3 * high; i++) {
            pages.add(a.allocPages(GFP_KERNEL, 0));
        }
        int start = a.pcpCount(ZoneType.NORMAL, 0);
        int k = 0;
        // Free until the first drain: it frees exactly batch (free_factor 0 -> 1).
        while (a.pcpCount(ZoneType.NORMAL, 0) < high - 1) {
            a.freePages(pages.get(k++), 0);
        }
        assertEquals(high - 1, a.pcpCount(ZoneType.NORMAL, 0));
        a.freePages(pages.get(k++), 0);
        assertEquals(high - batch, a.pcpCount(ZoneType.NORMAL, 0), "count reached high: one batch drained");
        // The next drain frees batch << 1, clamped to high - batch.
        while (a.pcpCount(ZoneType.NORMAL, 0) < high - 1) {
            a.freePages(pages.get(k++), 0);
        }
        a.freePages(pages.get(k++), 0);
        assertEquals(high - Math.min(2 * batch, high - batch), a.pcpCount(ZoneType.NORMAL, 0));
        assertTrue(start < high);
        // An allocation halves free_factor again.
        for (int i = k; i < pages.size(); i++) {
            a.freePages(pages.get(i), 0);
            assertTrue(a.pcpCount(ZoneType.NORMAL, 0) < high, "count stays below high after each free");
        }
        a.checkInvariants();
        a.drainAllPages();
        assertEquals(a.totalRamPages(), a.freePages());
        a.checkInvariants();
    }

    @Test
    void eachSimulatedCpuHasItsOwnLists() {
        BuddyAllocator a = Machines.x86Booted4G();
        long p0 = a.allocPages(GFP_KERNEL, 0);
        long p1 = SimCpu.on(1, () -> a.allocPages(GFP_KERNEL, 0));
        assertEquals(62, a.pcpCount(ZoneType.NORMAL, 0));
        assertEquals(62, a.pcpCount(ZoneType.NORMAL, 1));
        long p3 = SimCpu.on(3, () -> a.allocPages(GFP_KERNEL, 0)); // CPU 3 of a 2-CPU platform is CPU 1
        assertEquals(61, a.pcpCount(ZoneType.NORMAL, 1));
        assertEquals(p1 + 1, p3);
        // A page freed on another CPU lands on that CPU's list.
        SimCpu.on(1, () -> {
            a.freePages(p0, 0);
            return null;
        });
        assertEquals(62, a.pcpCount(ZoneType.NORMAL, 1));
        String z = a.zoneinfo();
        assertTrue(z.contains("\n  pagesets\n    cpu: 0\n              count: 62\n              high:  "
            + a.pcpHigh(ZoneType.NORMAL) + "\n              batch: 63\n  vm stats threshold: "), z);
        assertTrue(z.contains("\n    cpu: 1\n              count: 62\n"), z);
        assertTrue(z.contains("\n      numa_hit     3\n"), "pcp allocations count as numa hits per CPU: " + z);
        a.freePages(p1, 0);
        a.freePages(p3, 0);
        a.checkInvariants();
    }

    @Test
    void highOrderAndThpOrdersUseTheirOwnListsOthersGoStraightToTheBuddy() {
        BuddyAllocator a = Machines.x86Booted4G();
        long b3 = a.allocPages(GFP_KERNEL, 3);
        // batch 63 >> 3 = 7 blocks of order 3 came over, one handed out.
        assertEquals(6 * 8, a.pcpCount(ZoneType.NORMAL, 0));
        long b4 = a.allocPages(GFP_KERNEL, 4);
        assertEquals(6 * 8, a.pcpCount(ZoneType.NORMAL, 0), "order 4 is not a pcp order");
        long thp = a.allocPages(GFP_HIGHUSER_MOVABLE, 9);
        // THP list: max(63 >> 9, 2) = 2 blocks, one handed out.
        assertEquals(6 * 8 + 512, a.pcpCount(ZoneType.NORMAL, 0));
        a.freePages(b4, 4);
        assertEquals(6 * 8 + 512, a.pcpCount(ZoneType.NORMAL, 0));
        a.freePages(b3, 3);
        a.freePages(thp, 9);
        a.checkInvariants();
        a.drainAllPages();
        assertEquals(a.totalRamPages(), a.freePages());
        a.checkInvariants();
    }

    @Test
    void aFinalFailureDrainsEveryCpuOnlyForCallersThatMayReclaim() {
        BuddyAllocator a = Machines.x86Booted4G();
        long other = SimCpu.on(1, () -> a.allocPages(GFP_KERNEL, 0));
        SimCpu.on(1, () -> {
            a.freePages(other, 0);
            return null;
        });
        assertEquals(63, a.pcpCount(ZoneType.NORMAL, 1));
        // GFP_NOWAIT cannot reclaim: it fails without draining CPU 1's list.
        List<Long> got = new ArrayList<>();
        long pfn;
        while ((pfn = a.allocPages(GFP_NOWAIT | __GFP_NOWARN, 0)) != PageAllocator.NO_PAGE) {
            got.add(pfn);
        }
        assertEquals(63, a.pcpCount(ZoneType.NORMAL, 1), "no direct reclaim, no drain");
        // GFP_KERNEL drains every CPU before failing (and uses what the drain returned).
        while ((pfn = a.allocPages(GFP_KERNEL | __GFP_NOWARN, 0)) != PageAllocator.NO_PAGE) {
            got.add(pfn);
        }
        assertEquals(0, a.pcpPages());
        for (long p : got) {
            a.freePages(p, 0);
        }
        a.drainAllPages();
        assertEquals(a.totalRamPages(), a.freePages());
        a.checkInvariants();
    }

    @Test
    void freeingAPageThatSitsOnAPcpListIsADoubleFree() {
        BuddyAllocator a = Machines.x86Booted4G();
        long p = a.allocPages(GFP_KERNEL, 0);
        a.freePages(p, 0);
        String before = a.dumpState();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.freePages(p, 0));
        assertEquals(String.format("__free_pages(pfn %#x, order 0): double free: the pfn heads an order-0 block on a "
            + "per-cpu free list", p), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> a.freePages(p + 1, 0));
        assertTrue(e2.getMessage().contains("per-cpu free list"), e2.getMessage());
        assertEquals(before, a.dumpState(), "a refused free changes nothing");
    }

    @Test
    void drainIsRefusedUnderTheZoneLock() {
        BuddyAllocator a = Machines.x86Booted4G();
        synchronized (a) {
            assertThrows(IllegalStateException.class, a::drainAllPages);
        }
    }

    @Test
    void threadsSharingOrSplittingCpusKeepEveryInvariant() throws Exception {
        for (int[] cpus : new int[][] {{0, 0}, {0, 1}, {1, 1, 0}}) {
            BuddyAllocator a = Machines.toyBooted(BuddyOptions.defaults().withNrCpus(2));
            long bootFree = a.freePages();
            AtomicReference<Throwable> error = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < cpus.length; t++) {
                int cpu = cpus[t];
                long seed = 77 + t;
                threads.add(new Thread(() -> {
                    try {
                        SimCpu.bind(cpu);
                        SplittableRandom r = new SplittableRandom(seed);
                        List<long[]> live = new ArrayList<>();
                        for (int op = 0; op < 40_000; op++) {
                            if (live.isEmpty() || r.nextInt(100) < 52) {
                                int order = r.nextInt(10) < 8 ? 0 : r.nextInt(5);
                                int gfp = (r.nextBoolean() ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE) | __GFP_NOWARN;
                                long p = a.allocPages(gfp, order);
                                if (p != PageAllocator.NO_PAGE) {
                                    live.add(new long[] {p, order});
                                }
                            } else {
                                long[] b = live.remove(r.nextInt(live.size()));
                                a.freePages(b[0], (int) b[1]);
                            }
                        }
                        for (long[] b : live) {
                            a.freePages(b[0], (int) b[1]);
                        }
                    } catch (Throwable e) {
                        error.compareAndSet(null, e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            if (error.get() != null) {
                throw new AssertionError("threads on CPUs " + java.util.Arrays.toString(cpus), error.get());
            }
            a.checkInvariants();
            assertEquals(bootFree, a.freePages() + a.pcpPages(), "pages conserved");
            a.drainAllPages();
            a.checkInvariants();
            assertEquals(bootFree, a.freePages());
        }
    }
}
