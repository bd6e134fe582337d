/**
 * Backend instances at run time: the lifecycle every backend of a booted platform follows
 * (swiotlb bounce pool, CMA areas, atomic pools, dma_pool, later an IOMMU), and the small API
 * that shows which instance serves what.
 *
 * <p>The rule (architecture guide §5): a backend that is replaced or stopped stops receiving new
 * work at once ({@link org.dmasim.api.backend.BackendState#DRAINING}), keeps serving the unmaps,
 * syncs and frees of what it already holds, and is
 * {@link org.dmasim.api.backend.BackendState#RELEASED released} when that drains; a backend
 * forced out with live state has its holdings revoked (bounce data copied back, each leak
 * reported as DMA-API debug reports it, later use refused) and is released at once. Stopping a
 * backend bundle never re-boots its platform.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.dmasim.api.backend;
