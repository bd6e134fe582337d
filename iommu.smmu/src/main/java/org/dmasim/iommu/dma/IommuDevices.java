package org.dmasim.iommu.dma;

import org.dmasim.api.device.DmaDevice;

/**
 * What the IOMMU core tells dma-iommu about a device: the DMA domain it is attached to now
 * ({@code iommu_get_dma_domain}), the domain of an id (mappings keep the id of the domain that
 * made them), and how the device's own accesses are translated (its stream through the IOMMU
 * hardware).
 */
public interface IommuDevices {
    /** The device's current DMA domain, or null when its group is not translated by dma-iommu. */
    DmaDomain domain(DmaDevice dev);

    /** The DMA domain with this id while it lives (draining included), else null. */
    DmaDomain domainById(int id);

    /**
     * The device reads ({@code write} false) or writes {@code size} bytes at {@code iova}: the
     * physical address the IOMMU hardware delivers it to, or -1 when it faults (the fault is the
     * hardware's to record).
     */
    long translate(DmaDevice dev, long iova, long size, boolean write);
}
