package org.dmasim.swiotlb;

import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * The default bounce pool ({@code struct io_tlb_mem}): {@code nslabs} slots of 2 KiB from
 * {@code start}. Slot allocation (areas, next-fit per area, segment boundaries, copies) is the
 * streaming-DMA issue's; boot needs the placement and the report.
 */
final class Swiotlb implements SwiotlbPool {
    private final long start;
    private final long nslabs;
    private final boolean forceBounce;

    Swiotlb(long start, long nslabs, boolean forceBounce) {
        this.start = start;
        this.nslabs = nslabs;
        this.forceBounce = forceBounce;
    }

    static Swiotlb none(boolean forceBounce) {
        return new Swiotlb(0, 0, forceBounce);
    }

    @Override
    public long start() {
        return start;
    }

    @Override
    public long end() {
        return start + (nslabs << IO_TLB_SHIFT);
    }

    @Override
    public long nslabs() {
        return nslabs;
    }

    @Override
    public boolean forceBounce() {
        return forceBounce;
    }

    /** {@code swiotlb_print_info()}. */
    String info() {
        if (nslabs == 0) {
            return null;
        }
        return String.format("software IO TLB: mapped [mem 0x%016x-0x%016x] (%dMB)", start, end(), (nslabs << IO_TLB_SHIFT) >>> 20);
    }
}
