/**
 * The Linux 6.1 SMMUv3 driver ({@code drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c}) and the
 * firmware side of stream IDs ({@code drivers/iommu/of_iommu.c}, {@code of_map_id}), driving the
 * hardware model of {@link org.dmasim.iommu.smmu.hw}. Bundle-private.
 */
package org.dmasim.iommu.smmu;
