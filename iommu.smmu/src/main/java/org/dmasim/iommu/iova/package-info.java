/**
 * The IOVA allocator of Linux 6.1.y ({@code drivers/iommu/iova.c}): {@link
 * org.dmasim.iommu.iova.IovaDomain}, the rbtree of IOVA ranges with its cached search points and
 * the per-CPU range caches (rcaches) in front of it. dma-iommu allocates through it. Bundle-private.
 */
package org.dmasim.iommu.iova;
