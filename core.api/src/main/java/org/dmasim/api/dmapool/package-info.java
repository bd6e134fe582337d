/**
 * {@code dma_pool} ({@code mm/dmapool.c}): small coherent DMA blocks carved from
 * {@code dma_alloc_coherent} chunks. {@link org.dmasim.api.dmapool.DmaPools} is the per-platform
 * service drivers use; {@link org.dmasim.api.dmapool.DmaPoolBackend} is the SPI one algorithm
 * (one kernel version) implements.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("3.0.0")
package org.dmasim.api.dmapool;
