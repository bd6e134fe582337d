package org.dmasim.iommu.pgtable;

/**
 * {@code struct iommu_flush_ops}: how io-pgtable asks the IOMMU driver to invalidate what it
 * changed. The SMMUv3 driver answers with {@code TLBI_NH_VA} commands and a {@code CMD_SYNC}.
 */
public interface IoPgtableTlb {
    /** {@code tlb_flush_all}: every entry of the context ({@code TLBI_NH_ASID}). */
    void flushAll();

    /**
     * {@code tlb_flush_walk}: a table was removed from under {@code [iova, iova + size)}; walk caches
     * and leaves there must go now, synchronously, in strict and lazy mode alike.
     */
    void flushWalk(long iova, long size, long granule);

    /** {@code tlb_add_page}: a leaf of {@code granule} bytes at {@code iova} was cleared. */
    void addPage(IotlbGather gather, long iova, long granule);

    /**
     * {@code iommu_iotlb_sync} for a gather io-pgtable's own caller filled: {@code __iommu_map}
     * unwinding a failed map runs a whole {@code iommu_unmap}, which syncs its private gather at
     * the end (the caller resets the gather afterwards). The SMMUv3 driver answers with
     * {@code arm_smmu_iotlb_sync} (a leaf range invalidation of the gathered range). This default,
     * for drivers without range invalidation, invalidates the whole context when anything was
     * gathered.
     */
    default void iotlbSync(IotlbGather gather) {
        if (gather.pgsize() != 0) {
            flushAll();
        }
    }
}
