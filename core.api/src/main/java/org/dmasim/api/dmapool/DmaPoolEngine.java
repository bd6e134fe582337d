package org.dmasim.api.dmapool;

import org.dmasim.api.device.DmaDevice;
import org.osgi.annotation.versioning.ProviderType;

/**
 * SPI: the mechanics of one pool as its backend built it. Thread-safe (each engine has its
 * own lock, as each kernel pool has its own spinlock). The {@link DmaPools} service wraps it
 * into the {@link DmaPool} drivers see and keeps the device's pool list and devres.
 */
@ProviderType
public interface DmaPoolEngine {
    String name();

    DmaDevice device();

    long size();

    long allocation();

    long boundary();

    long blocksInUse();

    long pages();

    long totalBlocks();

    String poolsLine();

    /** See {@link DmaPool#alloc(int, long[], int)}. */
    long alloc(int gfp, long[] handle, int slot);

    /** See {@link DmaPool#free(long, long)}. */
    void free(long cpuAddr, long dmaHandle);

    /**
     * The page handling of {@code dma_pool_destroy}, after the pool left its device's list.
     *
     * @throws IllegalArgumentException when already destroyed
     */
    void destroy();

    boolean destroyed();
}
