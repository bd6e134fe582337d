package org.dmasim.api.dmapool;

/**
 * One block handed out by {@code dma_pool_alloc}: the CPU address the driver uses and the bus
 * address its device uses. Both are the backing chunk's address plus the same offset.
 *
 * @param cpuAddr kernel virtual address (linear map, or the chunk's vmalloc alias); the kernel's
 *     {@code vaddr}
 * @param dmaHandle bus address ({@code dma_addr_t}), what {@code dma_pool_alloc} stores through
 *     its {@code handle} argument
 * @since 3.0
 */
public record DmaBlock(long cpuAddr, long dmaHandle) {
}
