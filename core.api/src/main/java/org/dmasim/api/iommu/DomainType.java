package org.dmasim.api.iommu;

/**
 * The kinds of default domain ({@code iommu_def_domain_type}): what the DMA API does for a
 * device behind an IOMMU unless its group is changed.
 */
public enum DomainType {
    /** {@code IOMMU_DOMAIN_IDENTITY}: DMA addresses are physical addresses (passthrough). */
    IDENTITY("Passthrough"),
    /** {@code IOMMU_DOMAIN_DMA}: translated; each unmap invalidates the IOTLB before the IOVA is reused (strict). */
    DMA("Translated"),
    /** {@code IOMMU_DOMAIN_DMA_FQ}: translated; invalidations are batched through a flush queue (lazy). */
    DMA_FQ("Translated");

    private final String printedName;

    DomainType(String printedName) {
        this.printedName = printedName;
    }

    /** The name {@code iommu_domain_type_str()} prints. */
    public String printedName() {
        return printedName;
    }
}
