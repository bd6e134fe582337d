package org.dmasim.api.pool;

import java.util.List;
import java.util.Optional;
import java.util.function.LongPredicate;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The atomic coherent pools of one platform ({@code kernel/dma/pool.c}): up to three genpools
 * (kernel, dma, dma32) that serve coherent allocations which cannot block and need a remapped
 * or decrypted buffer. Published at boot by the atomicpool backend.
 */
@ProviderType
public interface AtomicPools {
    /** A block handed out: its physical start and the CPU address (the pool's remapped alias). */
    record Block(long phys, long cpuAddr, long size, String pool) {
    }

    /** One pool as debugfs and the views show it. */
    record PoolInfo(String name, int gfp, long size, long available) {
    }

    /**
     * {@code dma_alloc_from_pool(dev, size, &cpu, gfp, phys_addr_ok)}: pools in the order the
     * GFP zone bits choose, first_fit_order_align in each, a block rejected by {@code physOk}
     * is given back; the block is zeroed. Schedules the expansion worker when a pool's
     * available bytes drop below the initial size. Empty with "DMA pool exhausted for %s" or
     * "Failed to get suitable pool for %s" in the log (the former unless __GFP_NOWARN).
     *
     * @param device the device name the warnings print
     */
    Optional<Block> alloc(String device, long size, int gfp, LongPredicate physOk);

    /** {@code dma_free_from_pool}: false when cpuAddr is not inside any pool. */
    boolean free(long cpuAddr, long size);

    /** {@code dma_free_from_pool}'s lookup: whether cpuAddr lies in a pool. */
    boolean contains(long cpuAddr);

    /** {@code atomic_pool_size}: the size computed at boot, the worker's threshold. */
    long atomicPoolSize();

    List<PoolInfo> pools();

    /** The debugfs directory {@code dma_pools/}: file name to contents. */
    java.util.Map<String, String> debugfs();

    /** Waits until the expansion worker has nothing queued (tests and scripts need determinism). */
    void flushWorker();
}
