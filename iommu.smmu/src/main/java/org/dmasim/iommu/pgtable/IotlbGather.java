package org.dmasim.iommu.pgtable;

import java.util.function.Consumer;

/**
 * {@code struct iommu_iotlb_gather} ({@code include/linux/iommu.h}, 6.1): the IOVA range whose
 * leaf entries an unmap cleared and whose IOTLB entries must go before the IOVAs are reused.
 * io-pgtable adds each cleared leaf; the driver's {@code iotlb_sync} invalidates the range once
 * at the end of the unmap. In a flush-queue (lazy) unmap the gather is {@link #queued()} and
 * io-pgtable adds no leaves: the flush queue's later {@code flush_iotlb_all} covers them.
 */
public final class IotlbGather {
    private long start = -1L; // ULONG_MAX, as iommu_iotlb_gather_init leaves it
    private long end;
    private long pgsize;
    private final boolean queued;

    public IotlbGather(boolean queued) {
        this.queued = queued;
    }

    /** Lowest IOVA gathered (ULONG_MAX when empty). */
    public long start() {
        return start;
    }

    /** Last byte gathered (0 when empty). */
    public long end() {
        return end;
    }

    /** The leaf size of the gathered entries, 0 when nothing was gathered. */
    public long pgsize() {
        return pgsize;
    }

    /** A lazy unmap: leaves are not gathered, the flush queue invalidates later. */
    public boolean queued() {
        return queued;
    }

    /** {@code iommu_iotlb_gather_is_disjoint}: the page neither overlaps nor touches the range. */
    public boolean isDisjoint(long iova, long size) {
        long last = iova + size - 1;
        return end != 0 && (Long.compareUnsigned(last + 1, start) < 0 || Long.compareUnsigned(iova, end + 1) > 0);
    }

    /**
     * {@code iommu_iotlb_gather_add_page}: a page of another size, or one that does not touch the
     * range, first has what was gathered synced ({@code sync}, which resets the gather); then the
     * range grows to cover the page.
     */
    public void addPage(long iova, long size, Consumer<IotlbGather> sync) {
        if ((pgsize != 0 && pgsize != size) || isDisjoint(iova, size)) {
            sync.accept(this);
        }
        addRange(iova, size);
        pgsize = size;
    }

    /** {@code iommu_iotlb_gather_add_range}. */
    public void addRange(long iova, long size) {
        long last = iova + size - 1;
        if (Long.compareUnsigned(iova, start) < 0) {
            start = iova;
        }
        if (Long.compareUnsigned(last, end) > 0) {
            end = last;
        }
    }

    /** Empties the gather, as {@code iommu_iotlb_gather_init} after a sync. */
    public void reset() {
        start = -1L;
        end = 0;
        pgsize = 0;
    }

    @Override
    public String toString() {
        return pgsize == 0 ? "gather{}" : String.format("gather{0x%x-0x%x pgsize 0x%x%s}", start, end, pgsize,
            queued ? " queued" : "");
    }
}
