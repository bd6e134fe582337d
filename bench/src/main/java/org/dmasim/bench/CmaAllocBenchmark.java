package org.dmasim.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.BootLog;
import org.dmasim.cma.StandaloneCma;
import org.dmasim.mm.buddy.BuddyAllocator;
import org.dmasim.mm.buddy.PfnRange;
import org.dmasim.mm.buddy.ZoneSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code cma_alloc} followed by {@code cma_release} of 1, 16 and 256 pages on dmasim's buddy
 * allocator, aligned as {@code dma_alloc_contiguous} asks (order of the size, at most
 * CONFIG_CMA_ALIGNMENT 8), in two states of the area:
 * <ul>
 * <li>{@code free}: nothing else uses the area; each call isolates the pageblock(s), drains the
 *     pcp lists and takes free pages ({@code alloc_contig_range} without migration).</li>
 * <li>{@code migrate}: before each call the range the allocation will get (first fit: the area
 *     start) holds owned movable pages, so each call migrates {@code pages} order-0 pages to
 *     ZONE_NORMAL first. Refilling the range is untimed ({@code Level.Invocation} setup).</li>
 * </ul>
 *
 * <p>The board: a 64 MiB CMA area that is the whole of ZONE_DMA ([0x40000, 0x44000)) and 960
 * MiB of ZONE_NORMAL, all free, watermarks not set up (all zero) so ZONE_DMA can be filled to
 * its last page. Movable allocations restricted to ZONE_DMA ({@code GFP_USER | __GFP_MOVABLE |
 * __GFP_DMA}) can then only land in the area, which is how the {@code migrate} state fills it
 * and refills the released range; migration targets ({@code GFP_USER | __GFP_MOVABLE}) come
 * from ZONE_NORMAL, as in the kernel.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CmaAllocBenchmark {
    static final long BASE = 0x40000;
    static final int COUNT = 16384;
    static final long NORMAL_START = 0x44000;
    static final long NORMAL_END = 0x80000;
    static final int MOVABLE_DMA = Gfp.GFP_USER | Gfp.__GFP_MOVABLE | Gfp.__GFP_DMA;

    /** The board with its area activated; shared by both states. */
    @State(Scope.Thread)
    public abstract static class Board {
        @Param({"1", "16", "256"})
        public int pages;

        BuddyAllocator buddy;
        CmaArea cma;
        int align;

        void boot() {
            buddy = BuddyAllocator.create(
                List.of(new ZoneSpec(ZoneType.DMA, BASE, COUNT, COUNT), ZoneSpec.empty(ZoneType.DMA32),
                    new ZoneSpec(ZoneType.NORMAL, NORMAL_START, NORMAL_END - NORMAL_START, NORMAL_END - NORMAL_START),
                    ZoneSpec.empty(ZoneType.MOVABLE), ZoneSpec.empty(ZoneType.DEVICE)),
                List.of(new PfnRange(BASE, NORMAL_END)));
            buddy.freeBootMemory(NORMAL_START, NORMAL_END);
            cma = StandaloneCma.create(new BootLog()).activate(buddy, "reserved", BASE, COUNT, 0).areas()
                .defaultArea().orElseThrow();
            // dma_alloc_contiguous: min(get_order(size), CONFIG_CMA_ALIGNMENT)
            int order = 0;
            while ((1L << order) < pages) {
                order++;
            }
            align = Math.min(order, 8);
        }
    }

    /** The area is free: no page to migrate. */
    @State(Scope.Thread)
    public static class FreeArea extends Board {
        @Setup(Level.Trial)
        public void setUp() {
            boot();
        }
    }

    /** The area is full of owned movable pages: every cma_alloc migrates its range out. */
    @State(Scope.Thread)
    public static class FullArea extends Board {
        /** Where each movable page lives now (its owner's view). */
        long[] home;
        /** Slots whose page was migrated since the last refill. */
        int[] moved;
        int nMoved;
        private Owner[] owners;

        /** One movable page's owner: records where migration moved it. */
        final class Owner implements org.dmasim.api.mm.MovablePageOwner {
            final int slot;

            Owner(int slot) {
                this.slot = slot;
            }

            @Override
            public void migrated(long oldPfn, long newPfn, int order) {
                home[slot] = newPfn;
                moved[nMoved++] = slot;
            }
        }

        @Setup(Level.Trial)
        public void setUp() {
            boot();
            home = new long[COUNT];
            moved = new int[COUNT];
            owners = new Owner[COUNT];
            for (int i = 0; i < COUNT; i++) {
                owners[i] = new Owner(i);
                home[i] = buddy.allocPages(MOVABLE_DMA, 0, owners[i]);
                if (home[i] < BASE || home[i] >= BASE + COUNT) {
                    throw new IllegalStateException("fill: movable page " + i + " landed at pfn "
                        + Long.toHexString(home[i]) + ", not in the CMA area");
                }
            }
            if (buddy.allocPages(MOVABLE_DMA | Gfp.__GFP_NOWARN, 0) != PageAllocator.NO_PAGE) {
                throw new IllegalStateException("fill: ZONE_DMA still has free pages");
            }
        }

        /**
         * Untimed: the pages migrated by the last call go back to ZONE_NORMAL, and their owners
         * get new movable pages in ZONE_DMA, which can only be the range the call released.
         */
        @Setup(Level.Invocation)
        public void refill() {
            for (int k = 0; k < nMoved; k++) {
                int slot = moved[k];
                buddy.freePages(home[slot], 0);
                long p = buddy.allocPages(MOVABLE_DMA, 0, owners[slot]);
                if (p < BASE || p >= BASE + pages) {
                    throw new IllegalStateException("refill: movable page landed at pfn " + Long.toHexString(p)
                        + ", not in the released range");
                }
                home[slot] = p;
            }
            nMoved = 0;
        }
    }

    private static long allocRelease(Board b) {
        long pfn = b.cma.alloc(b.pages, b.align, false);
        if (pfn < 0) {
            throw new IllegalStateException("cma_alloc(" + b.pages + ") failed");
        }
        b.cma.release(pfn, b.pages);
        return pfn;
    }

    /** cma_alloc + cma_release with the area free. */
    @Benchmark
    public long noMigration(FreeArea s) {
        return allocRelease(s);
    }

    /** cma_alloc + cma_release where the range first has to be emptied by migration. */
    @Benchmark
    public long withMigration(FullArea s) {
        long pfn = allocRelease(s);
        if (s.nMoved != s.pages) {
            throw new IllegalStateException("expected " + s.pages + " migrations, saw " + s.nMoved);
        }
        return pfn;
    }
}
