package org.dmasim.iommu.dma;

import org.dmasim.api.iommu.DomainType;
import org.dmasim.iommu.pgtable.IotlbGather;

/**
 * {@code struct iommu_domain} as dma-iommu uses it: the translation one group of devices shares,
 * with the driver's operations on it ({@code iommu_map}, {@code iommu_unmap_fast},
 * {@code iommu_iotlb_sync}, {@code flush_iotlb_all}, {@code iova_to_phys}). The SMMUv3 driver
 * implements it with an ARM LPAE stage-1 page table and its command queue; another IOMMU would
 * bring its own.
 */
public interface IommuDomain {
    /** {@code domain->type}: DMA or DMA_FQ for the domains dma-iommu runs on. */
    DomainType type();

    /** {@code domain->pgsize_bitmap}: the page sizes the page table maps, after io-pgtable's restriction. */
    long pgsizeBitmap();

    /** {@code domain->geometry.aperture_end} (the aperture is forced: no IOVA above it). */
    long apertureEnd();

    /** {@code iommu_map_atomic}/{@code iommu_map}: 0 or a negative errno, nothing left mapped on failure. */
    int map(long iova, long paddr, long size, int prot, int gfp);

    /** {@code iommu_unmap_fast}: the bytes unmapped; cleared leaves go into {@code gather} unless it is queued. */
    long unmap(long iova, long size, IotlbGather gather);

    /** {@code iommu_iotlb_sync}: invalidates what {@code gather} holds and empties it. */
    void iotlbSync(IotlbGather gather);

    /** {@code iommu_flush_iotlb_all}: every IOTLB entry of the domain (what a flush-queue flush does). */
    void flushIotlbAll();

    /** {@code iommu_iova_to_phys}: 0 when nothing is mapped there. */
    long iovaToPhys(long iova);
}
