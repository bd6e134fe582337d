/**
 * The Arm SMMUv3 as QEMU 7.2 emulates it ({@code hw/arm/smmuv3.c}, {@code hw/arm/smmu-common.c}):
 * ID registers, the stream table and context descriptors it reads from
 * {@link org.dmasim.iommu.pgtable.DescriptorPages}, its configuration cache and IOTLB, the
 * command queue consumer and the event queue. Bundle-private.
 */
package org.dmasim.iommu.smmu.hw;
