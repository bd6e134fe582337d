/**
 * The DMA mapping API of one platform ({@code include/linux/dma-mapping.h}): devices, masks,
 * coherent allocations and the per-architecture hooks dma-direct relies on.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.dmasim.api.dma;
