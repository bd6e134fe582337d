package org.dmasim.dmapool;

import org.dmasim.api.dma.CoherentBuffer;

/**
 * One backing chunk ({@code struct dma_page}): {@code allocation} bytes from
 * {@code dma_alloc_coherent}, seen by the CPU at {@code vaddr} and by the device at
 * {@code dma}. A block at offset o is (vaddr + o, dma + o).
 */
class Chunk {
    final CoherentBuffer buffer;
    final long vaddr;
    final long dma;

    Chunk(CoherentBuffer buffer) {
        this.buffer = buffer;
        this.vaddr = buffer.cpuAddr();
        this.dma = buffer.dmaHandle();
    }

    /** Whether the bus address lies in this chunk of {@code allocation} bytes ({@code pool_find_page}'s test). */
    final boolean holds(long dmaAddr, int allocation) {
        return Long.compareUnsigned(dmaAddr, dma) >= 0 && Long.compareUnsigned(dmaAddr - dma, allocation) < 0;
    }
}
