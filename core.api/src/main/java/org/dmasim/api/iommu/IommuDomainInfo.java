package org.dmasim.api.iommu;

/**
 * One IOMMU domain and what it holds.
 *
 * @param id the domain's number (dmasim's; the kernel has only pointers)
 * @param type {@code DMA}, {@code DMA-FQ} or {@code identity}
 * @param group the group it is (or was, when draining) the default domain of
 * @param state ACTIVE, DRAINING (replaced, mappings left) or RELEASED
 * @param asid the SMMU address space ID of a translated domain, 0 otherwise
 * @param iovaRanges IOVA ranges allocated (in the allocator's tree, cached ones included)
 * @param iovaCached ranges sitting in the per-CPU caches and depot, free for reuse
 * @param fqWaiting ranges waiting in the flush queue (lazy domains)
 * @param tablePages page-table pages the domain holds
 * @param mappings mappings and buffers that hold the domain
 * @since 2.1
 */
public record IommuDomainInfo(int id, String type, int group, String state, int asid, long iovaRanges,
    long iovaCached, long fqWaiting, long tablePages, long mappings) {
}
