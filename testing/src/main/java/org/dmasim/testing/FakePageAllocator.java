package org.dmasim.testing;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.dto.ZoneDTO;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;

/**
 * A page allocator that knows what its clients' tests need, with the real one's thread safety
 * (one lock) but none of its policy:
 * <ul>
 * <li>{@code alloc_pages}: {@code gfp_zone()} and the zonelist fallback to lower zones, the
 *     lowest naturally aligned free block; orders above {@link #maxOrderThatWorks} fail (to
 *     exercise smaller-order retries). Every call is recorded in {@link #allocCalls}.</li>
 * <li>{@code alloc_contig_range}: takes [start, end) unless a page is taken or marked busy (an
 *     unmovable or pinned page it cannot migrate: -EBUSY); {@link #forcedError} and
 *     {@link #throwOnContig} override the answer. Every call is recorded.</li>
 * <li>{@code init_cma_reserved_pageblock} is recorded; the rest is not modelled.</li>
 * </ul>
 */
public final class FakePageAllocator implements PageAllocator {
    /** A zone as a pfn range. */
    public record Zone(ZoneType type, long startPfn, long endPfn) {
    }

    /** One alloc_pages call and its answer. */
    public record AllocCall(int gfp, int order, long pfn) {
    }

    private final List<Zone> zones;
    private final long basePfn;
    private final long endPfn;
    private final long totalRam;
    private final BitSet taken = new BitSet();
    private final BitSet busy = new BitSet();
    private final List<long[]> contigCalls = new ArrayList<>();
    private final List<Long> cmaPageblocks = new ArrayList<>();
    /** Orders above this fail. */
    public volatile int maxOrderThatWorks = 10;
    /** Every alloc_pages call, in order (lock this object to read it while others allocate). */
    public final List<AllocCall> allocCalls = new ArrayList<>();
    /** When not 0, alloc_contig_range answers this instead of looking at the pages. */
    public volatile int forcedError;
    /** When set, alloc_contig_range throws it (an allocator refusing the range). */
    public volatile RuntimeException throwOnContig;

    /** Zones in zone order; {@code totalRamPages} is what {@link #totalRamPages()} reports. */
    public FakePageAllocator(List<Zone> zones, long totalRamPages) {
        this.zones = List.copyOf(zones);
        this.basePfn = zones.stream().mapToLong(Zone::startPfn).min().orElse(0);
        this.endPfn = zones.stream().mapToLong(Zone::endPfn).max().orElse(0);
        this.totalRam = totalRamPages;
    }

    /** One ZONE_DMA over [lo, hi), all of it RAM. */
    public static FakePageAllocator oneZone(long lo, long hi) {
        return new FakePageAllocator(List.of(new Zone(ZoneType.DMA, lo, hi)), hi - lo);
    }

    private int idx(long pfn) {
        if (pfn < basePfn || pfn >= endPfn) {
            throw new IllegalArgumentException(String.format("fake page allocator: pfn %#x outside [%#x, %#x)", pfn,
                basePfn, endPfn));
        }
        return (int) (pfn - basePfn);
    }

    private boolean configured(ZoneType t) {
        return zones.stream().anyMatch(z -> z.type() == t);
    }

    @Override
    public synchronized long allocPages(int gfp, int order) {
        long pfn = NO_PAGE;
        if (order <= maxOrderThatWorks) {
            ZoneType high = Gfp.zone(gfp, configured(ZoneType.DMA), configured(ZoneType.DMA32));
            for (int i = zones.size() - 1; i >= 0 && pfn < 0; i--) {
                Zone z = zones.get(i);
                if (z.type().ordinal() <= high.ordinal()) {
                    pfn = take(z, order);
                }
            }
        }
        allocCalls.add(new AllocCall(gfp, order, pfn));
        return pfn;
    }

    private long take(Zone z, int order) {
        long n = 1L << order;
        long first = (z.startPfn() + n - 1) & -n;
        for (long p = first; p + n <= z.endPfn(); p += n) {
            int rel = idx(p);
            int used = taken.nextSetBit(rel);
            if (used < 0 || used >= rel + n) {
                taken.set(rel, (int) (rel + n));
                return p;
            }
        }
        return NO_PAGE;
    }

    @Override
    public synchronized void freePages(long pfn, int order) {
        int rel = idx(pfn);
        taken.clear(rel, rel + (1 << order));
    }

    @Override
    public synchronized int allocContigRange(long startPfn, long endPfn) {
        contigCalls.add(new long[] {startPfn, endPfn});
        if (throwOnContig != null) {
            throw throwOnContig;
        }
        if (forcedError != 0) {
            return forcedError;
        }
        for (long p = startPfn; p < endPfn; p++) {
            if (busy.get(idx(p)) || taken.get(idx(p))) {
                return -Errno.EBUSY;
            }
        }
        taken.set(idx(startPfn), idx(endPfn - 1) + 1);
        return 0;
    }

    @Override
    public synchronized void freeContigRange(long pfn, long nrPages) {
        for (long p = pfn; p < pfn + nrPages; p++) {
            if (!taken.get(idx(p))) {
                throw new IllegalArgumentException(String.format("fake free_contig_range: pfn %#x is not allocated", p));
            }
        }
        taken.clear(idx(pfn), idx(pfn + nrPages - 1) + 1);
    }

    /** Marks a page alloc_contig_range cannot take (unmovable, pinned). */
    public synchronized void setBusy(long pfn) {
        busy.set(idx(pfn));
    }

    public synchronized void clearBusy(long pfn) {
        busy.clear(idx(pfn));
    }

    /** Busy, or taken by an allocation. */
    public synchronized boolean isBusy(long pfn) {
        return busy.get(idx(pfn)) || taken.get(idx(pfn));
    }

    public synchronized boolean isTaken(long pfn) {
        return taken.get(idx(pfn));
    }

    public synchronized long takenPages() {
        return taken.cardinality();
    }

    /** The alloc_contig_range calls so far, as [start, end) pairs. */
    public synchronized List<long[]> contigCalls() {
        return new ArrayList<>(contigCalls);
    }

    public synchronized int contigCallCount() {
        return contigCalls.size();
    }

    /** The pfns handed over as CMA pageblocks, in order. */
    public synchronized List<Long> cmaPageblocks() {
        return List.copyOf(cmaPageblocks);
    }

    @Override
    public synchronized void initCmaReservedPageblock(long pfn) {
        cmaPageblocks.add(pfn);
    }

    @Override
    public Optional<ZoneType> zoneOf(long pfn) {
        return zones.stream().filter(z -> pfn >= z.startPfn() && pfn < z.endPfn()).map(Zone::type).findFirst();
    }

    @Override
    public long totalRamPages() {
        return totalRam;
    }

    @Override
    public List<ZoneDTO> zones() {
        List<ZoneDTO> out = new ArrayList<>();
        for (Zone z : zones) {
            ZoneDTO d = new ZoneDTO();
            d.name = z.type().kernelName();
            d.startPfn = z.startPfn();
            d.spanned = z.endPfn() - z.startPfn();
            d.managed = d.spanned;
            out.add(d);
        }
        return out;
    }

    @Override
    public long freePages() {
        throw notModelled("the free page count");
    }

    @Override
    public void freeBootMemory(long startPfn, long endPfn) {
        throw notModelled("memblock_free_all");
    }

    @Override
    public String buddyinfo() {
        throw notModelled("/proc/buddyinfo");
    }

    @Override
    public String pagetypeinfo() {
        throw notModelled("/proc/pagetypeinfo");
    }

    @Override
    public String zoneinfo() {
        throw notModelled("/proc/zoneinfo");
    }

    private static UnsupportedOperationException notModelled(String what) {
        return new UnsupportedOperationException("the fake page allocator does not model " + what);
    }
}
