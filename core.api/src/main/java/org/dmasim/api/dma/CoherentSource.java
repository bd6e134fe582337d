package org.dmasim.api.dma;

/** Which allocator served a coherent allocation (the branch of the 6.1 decision tree taken). */
public enum CoherentSource {
    /** {@code dev->dma_mem}: a DT shared-dma-pool without reusable, or dma_declare_coherent_memory. */
    DEVICE_COHERENT_POOL("per-device coherent pool"),
    /** {@code dev->cma_area}: a DT reusable shared-dma-pool named by memory-region. */
    DEVICE_CMA("per-device CMA"),
    /** {@code dma_contiguous_default_area}. */
    DEFAULT_CMA("default CMA"),
    /** {@code alloc_pages_node} (buddy allocator). */
    BUDDY("buddy"),
    /** {@code dma_alloc_from_pool}: the atomic pools of kernel/dma/pool.c. */
    ATOMIC_POOL("atomic pool");

    private final String label;

    CoherentSource(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
