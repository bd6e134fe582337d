package org.dmasim.atomicpool;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.dto.ZoneDTO;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;

/**
 * A test double of the buddy allocator: zones as pfn ranges, the GFP zone and the zonelist
 * fallback to lower zones, lowest naturally aligned free block. Orders above
 * {@link #maxOrderThatWorks} fail, to exercise the smaller-order retry.
 */
final class FakeBuddy implements PageAllocator {
    record Zone(ZoneType type, long startPfn, long endPfn) {
    }

    record Call(int gfp, int order, long pfn) {
    }

    private final List<Zone> zones;
    private final BitSet used = new BitSet();
    private final long basePfn;
    private final long totalRam;
    volatile int maxOrderThatWorks = 10;
    final List<Call> calls = new ArrayList<>();

    FakeBuddy(List<Zone> zones, long totalRamPages) {
        this.zones = zones;
        this.basePfn = zones.stream().mapToLong(Zone::startPfn).min().orElse(0);
        this.totalRam = totalRamPages;
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
        calls.add(new Call(gfp, order, pfn));
        return pfn;
    }

    private long take(Zone z, int order) {
        long n = 1L << order;
        long first = (z.startPfn() + n - 1) & -n;
        for (long p = first; p + n <= z.endPfn(); p += n) {
            int rel = (int) (p - basePfn);
            int busy = used.nextSetBit(rel);
            if (busy < 0 || busy >= rel + n) {
                used.set(rel, (int) (rel + n));
                return p;
            }
        }
        return NO_PAGE;
    }

    @Override
    public synchronized void freePages(long pfn, int order) {
        int rel = (int) (pfn - basePfn);
        used.clear(rel, rel + (1 << order));
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
    public long freePages() {
        throw new UnsupportedOperationException();
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
    public void freeBootMemory(long startPfn, long endPfn) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void initCmaReservedPageblock(long pfn) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String buddyinfo() {
        throw new UnsupportedOperationException();
    }

    @Override
    public String pagetypeinfo() {
        throw new UnsupportedOperationException();
    }

    @Override
    public String zoneinfo() {
        throw new UnsupportedOperationException();
    }
}
