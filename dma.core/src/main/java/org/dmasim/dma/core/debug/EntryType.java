package org.dmasim.dma.core.debug;

/**
 * What made a DMA-API debug entry ({@code dma_debug_single}, {@code _sg}, {@code _coherent},
 * {@code _resource}); the names the messages print come from {@link DebugRules}.
 */
public enum EntryType {
    /** {@code dma_map_single}, {@code dma_map_page}, {@code dma_alloc_pages}. */
    SINGLE,
    /** {@code dma_map_sg}: one entry per DMA segment. */
    SG,
    /** {@code dma_alloc_coherent}. */
    COHERENT,
    /** {@code dma_map_resource}. */
    RESOURCE
}
