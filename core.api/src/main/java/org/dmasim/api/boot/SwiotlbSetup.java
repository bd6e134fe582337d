package org.dmasim.api.boot;

/**
 * What the architecture asks of swiotlb at {@code mem_init()}: whether addressing limits
 * require a pool ({@code swiotlb_init(enable, flags)}), whether it reports at once
 * (SWIOTLB_VERBOSE, arm64) or later from {@code pci_iommu_init()} (x86_64).
 */
public record SwiotlbSetup(boolean addressingLimit, boolean verbose, boolean lateReport, boolean iommuOff) {
}
