/**
 * The IOMMU core's boot-time decisions ({@code drivers/iommu/iommu.c}, Linux 6.1) as values an
 * IOMMU backend reads: the default domain type and the TLB invalidation policy, with where each
 * came from. A booted platform publishes its {@link org.dmasim.api.iommu.IommuDefaults} on the
 * boot blackboard during {@code IOMMU_SUBSYS}, whether or not the platform has an IOMMU (the
 * IOMMU core is built into the kernels dmasim models).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package org.dmasim.api.iommu;
