package org.dmasim.cma;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.dto.ZoneDTO;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;

/**
 * A page allocator that knows only what cma needs: which pfns of [lo, hi) are taken by
 * alloc_contig_range, which are busy (an unmovable or pinned page alloc_contig_range cannot move),
 * and the calls it received. Thread-safe like the real one (one lock).
 */
final class FakePages implements PageAllocator {
    final long lo;
    final long hi;
    private final BitSet taken = new BitSet();
    private final BitSet busy = new BitSet();
    final List<long[]> contigCalls = new ArrayList<>();
    final List<Long> cmaPageblocks = new ArrayList<>();
    /** When not 0, alloc_contig_range answers this instead of looking at the pages. */
    int forcedError;
    /** When set, alloc_contig_range throws it (an allocator refusing the range). */
    RuntimeException throwOnContig;

    FakePages(long lo, long hi) {
        this.lo = lo;
        this.hi = hi;
    }

    private int idx(long pfn) {
        if (pfn < lo || pfn >= hi) {
            throw new IllegalArgumentException(String.format("fake: pfn %#x outside [%#x, %#x)", pfn, lo, hi));
        }
        return (int) (pfn - lo);
    }

    synchronized void setBusy(long pfn) {
        busy.set(idx(pfn));
    }

    synchronized void clearBusy(long pfn) {
        busy.clear(idx(pfn));
    }

    synchronized boolean isBusy(long pfn) {
        return busy.get(idx(pfn)) || taken.get(idx(pfn));
    }

    synchronized boolean isTaken(long pfn) {
        return taken.get(idx(pfn));
    }

    synchronized long takenPages() {
        return taken.cardinality();
    }

    synchronized int callCount() {
        return contigCalls.size();
    }

    synchronized List<long[]> calls() {
        return new ArrayList<>(contigCalls);
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

    @Override
    public synchronized void initCmaReservedPageblock(long pfn) {
        cmaPageblocks.add(pfn);
    }

    @Override
    public Optional<ZoneType> zoneOf(long pfn) {
        return pfn >= lo && pfn < hi ? Optional.of(ZoneType.DMA) : Optional.empty();
    }

    @Override
    public long allocPages(int gfp, int order) {
        throw new UnsupportedOperationException("fake");
    }

    @Override
    public void freePages(long pfn, int order) {
        throw new UnsupportedOperationException("fake");
    }

    @Override
    public long totalRamPages() {
        throw new UnsupportedOperationException("fake");
    }

    @Override
    public long freePages() {
        throw new UnsupportedOperationException("fake");
    }

    @Override
    public List<ZoneDTO> zones() {
        throw new UnsupportedOperationException("fake");
    }

    @Override
    public void freeBootMemory(long startPfn, long endPfn) {
        throw new UnsupportedOperationException("fake");
    }

    @Override
    public String buddyinfo() {
        throw new UnsupportedOperationException("fake");
    }

    @Override
    public String pagetypeinfo() {
        throw new UnsupportedOperationException("fake");
    }

    @Override
    public String zoneinfo() {
        throw new UnsupportedOperationException("fake");
    }
}
