package org.dmasim.api.boot;

/**
 * What the architecture asks of swiotlb at {@code mem_init()}: whether addressing limits
 * require a pool ({@code swiotlb_init(enable, flags)}), whether it reports at once
 * (SWIOTLB_VERBOSE, arm64) or later from {@code pci_iommu_init()} (x86_64), and whether it asked
 * for a smaller default first ({@code swiotlb_adjust_size()}).
 *
 * @param adjustSize the size handed to {@code swiotlb_adjust_size()} before {@code swiotlb_init()},
 *     0 when the architecture does not call it. arm64 from 6.7 on calls it when only kmalloc
 *     bouncing needs the pool (CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC, no RAM above the DMA limit):
 *     {@code min(swiotlb_size_or_default(), DIV_ROUND_UP(RAM, 1024))}; the architecture passes the
 *     second term, swiotlb takes the minimum with its own size
 */
public record SwiotlbSetup(boolean addressingLimit, boolean verbose, boolean lateReport, boolean iommuOff,
    long adjustSize) {

    /** A setup without a size adjustment. */
    public SwiotlbSetup(boolean addressingLimit, boolean verbose, boolean lateReport, boolean iommuOff) {
        this(addressingLimit, verbose, lateReport, iommuOff, 0);
    }
}
