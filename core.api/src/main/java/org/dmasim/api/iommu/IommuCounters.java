package org.dmasim.api.iommu;

/**
 * What the IOMMU hardware and the flush queues did.
 *
 * @param translations device accesses translated (one per page touched)
 * @param iotlbHits translations the IOTLB answered
 * @param iotlbMisses translations that walked the page tables
 * @param staleHits IOTLB hits whose page-table entry had been cleared (a lazy unmap not yet
 *     flushed): the device reached memory it no longer owns
 * @param faults translation, permission and address-size faults (events recorded)
 * @param aborted accesses refused by an abort stream table entry (no event, as the hardware)
 * @param tlbiVa {@code TLBI_NH_VA} commands
 * @param tlbiAsid {@code TLBI_NH_ASID} commands
 * @param syncs {@code CMD_SYNC} commands
 * @param fqQueued IOVAs queued by lazy unmaps
 * @param fqFlushes flush-queue flushes (a full ring or the timer)
 * @since 2.1
 */
public record IommuCounters(long translations, long iotlbHits, long iotlbMisses, long staleHits, long faults,
    long aborted, long tlbiVa, long tlbiAsid, long syncs, long fqQueued, long fqFlushes) {
}
