package org.dmasim.iommu.pgtable;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.dto.ZoneDTO;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.testing.FakePageAllocator;

/** A {@link FakePageAllocator} whose allocation number {@link #failAt} (1-based) fails. */
final class FailingPages implements PageAllocator {
    final FakePageAllocator real;
    int failAt = -1;
    int calls;

    FailingPages(FakePageAllocator real) {
        this.real = real;
    }

    @Override
    public long allocPages(int gfp, int order) {
        if (++calls == failAt) {
            return NO_PAGE;
        }
        return real.allocPages(gfp, order);
    }

    @Override
    public void freePages(long pfn, int order) {
        real.freePages(pfn, order);
    }

    @Override
    public Optional<ZoneType> zoneOf(long pfn) {
        return real.zoneOf(pfn);
    }

    @Override
    public long totalRamPages() {
        return real.totalRamPages();
    }

    @Override
    public long freePages() {
        return real.freePages();
    }

    @Override
    public List<ZoneDTO> zones() {
        return real.zones();
    }

    @Override
    public void freeBootMemory(long startPfn, long endPfn) {
        real.freeBootMemory(startPfn, endPfn);
    }

    @Override
    public void initCmaReservedPageblock(long pfn) {
        real.initCmaReservedPageblock(pfn);
    }

    @Override
    public String buddyinfo() {
        return real.buddyinfo();
    }

    @Override
    public String pagetypeinfo() {
        return real.pagetypeinfo();
    }

    @Override
    public String zoneinfo() {
        return real.zoneinfo();
    }
}
