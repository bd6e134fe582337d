package org.dmasim.iommu.smmu.hw;

import java.util.Map;

/**
 * A snapshot of what the SMMU model counted.
 *
 * @param iotlbHits translations answered by the IOTLB
 * @param iotlbMisses translations that needed a walk
 * @param walks page-table walks (including those ending in a fault)
 * @param staleHits IOTLB hits whose page-table entry no longer maps the cached page (the window
 *     of lazy invalidation: the device reached memory that was unmapped)
 * @param iotlbFlushAllOnFull times the IOTLB was full at an insert and emptied (QEMU's policy)
 * @param configCacheHits STE/CD look-ups answered by the configuration cache
 * @param configCacheMisses STE/CD look-ups that read the stream table
 * @param commands consumed commands by name ({@link SmmuCommand#name})
 * @param faults faults by event ID (ID 0: transactions terminated by an abort STE)
 * @param eventsRecorded event records written to the event queue
 * @param eventsDropped events lost because the event queue was full (GERROR.EVTQ_ABT_ERR)
 */
public record Counters(long iotlbHits, long iotlbMisses, long walks, long staleHits, long iotlbFlushAllOnFull,
    long configCacheHits, long configCacheMisses, Map<String, Long> commands, Map<Integer, Long> faults,
    long eventsRecorded, long eventsDropped) {
}
