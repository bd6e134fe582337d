/**
 * io-pgtable ({@code drivers/iommu/io-pgtable-arm.c}): the ARM LPAE stage-1 page tables an SMMU
 * walks, in {@link org.dmasim.iommu.pgtable.DescriptorPages}. Bundle-private.
 */
package org.dmasim.iommu.pgtable;
