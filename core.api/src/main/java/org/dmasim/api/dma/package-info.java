/**
 * The DMA mapping API of one platform ({@code include/linux/dma-mapping.h}): devices, masks,
 * coherent allocations, streaming mappings, the per-device DMA ops SPI ({@link
 * org.dmasim.api.dma.DmaOps}, {@code struct dma_map_ops}) that dma-direct and IOMMUs implement,
 * and the per-architecture hooks dma-direct relies on.
 *
 * <p>Addresses follow {@link org.dmasim.api.addr}: {@code phys} (CPU physical), {@code dmaHandle}
 * (bus), {@code cpuAddr} (kernel virtual), {@code userAddr} (user virtual); the streaming calls take
 * and return them typed.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package org.dmasim.api.dma;
