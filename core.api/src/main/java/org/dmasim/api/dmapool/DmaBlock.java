package org.dmasim.api.dmapool;

/**
 * One block handed out by {@code dma_pool_alloc}: the CPU address the driver uses and the bus
 * address its device uses. Both are the backing chunk's address plus the same offset.
 *
 * @param vaddr kernel virtual address (linear map, or the chunk's vmalloc alias)
 * @param dma bus address ({@code dma_addr_t})
 */
public record DmaBlock(long vaddr, long dma) {
}
