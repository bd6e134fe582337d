package org.dmasim.testing;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;

/**
 * A test double of the default CMA area and the platform's area list: a bit per page, first fit
 * with pfn alignment. {@link #failAll} and {@link #allocBudget} make allocations fail.
 */
public final class FakeCma implements CmaArea, CmaAreas {
    private final long basePfn;
    private final long count;
    private final BitSet bits = new BitSet();
    public volatile boolean failAll;
    /** Successful allocations still allowed. */
    public volatile int allocBudget = Integer.MAX_VALUE;

    public FakeCma(long basePfn, long count) {
        this.basePfn = basePfn;
        this.count = count;
    }

    @Override
    public String name() {
        return "reserved";
    }

    @Override
    public long basePfn() {
        return basePfn;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public int orderPerBit() {
        return 0;
    }

    @Override
    public boolean active() {
        return true;
    }

    @Override
    public synchronized long alloc(long pages, int align, boolean noWarn) {
        if (failAll || allocBudget <= 0) {
            return -1;
        }
        long a = 1L << align;
        for (long pfn = (basePfn + a - 1) & -a; pfn + pages <= basePfn + count; pfn += a) {
            int rel = (int) (pfn - basePfn);
            int busy = bits.nextSetBit(rel);
            if (busy < 0 || busy >= rel + pages) {
                bits.set(rel, (int) (rel + pages));
                allocBudget--;
                return pfn;
            }
        }
        return -1;
    }

    @Override
    public synchronized boolean release(long pfn, long pages) {
        bits.clear((int) (pfn - basePfn), (int) (pfn - basePfn + pages));
        return true;
    }

    @Override
    public synchronized long used() {
        return bits.cardinality();
    }

    @Override
    public List<CmaArea> areas() {
        return List.of(this);
    }

    @Override
    public Optional<CmaArea> defaultArea() {
        return Optional.of(this);
    }

    @Override
    public long totalPages() {
        return count;
    }

    @Override
    public long maxchunk() {
        throw new UnsupportedOperationException("not modelled by the fake CMA area");
    }

    @Override
    public long allocPagesSuccess() {
        throw new UnsupportedOperationException("not modelled by the fake CMA area");
    }

    @Override
    public long allocPagesFail() {
        throw new UnsupportedOperationException("not modelled by the fake CMA area");
    }

    @Override
    public Map<String, String> debugfs() {
        throw new UnsupportedOperationException("not modelled by the fake CMA area");
    }

    @Override
    public Map<String, String> sysfs() {
        throw new UnsupportedOperationException("not modelled by the fake CMA area");
    }

    @Override
    public Optional<CmaArea> byName(String name) {
        return name.equals(name()) ? Optional.of(this) : Optional.empty();
    }

    @Override
    public long cmaAllocSuccess() {
        throw new UnsupportedOperationException("not modelled by the fake CMA area");
    }

    @Override
    public long cmaAllocFail() {
        throw new UnsupportedOperationException("not modelled by the fake CMA area");
    }
}
