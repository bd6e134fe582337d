package org.dmasim.api.dmapool;

import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.mm.Gfp;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A {@code struct dma_pool}: blocks of one size from one device's coherent memory. Every call
 * goes to the backend (kernel version) that created the pool, whichever backend new pools use.
 *
 * <p>Misuse ({@code dma_pool_free} of something this pool did not hand out, twice, or with a
 * CPU address that does not match the bus address; any call after destroy) throws
 * {@link IllegalArgumentException} carrying the kernel's message and changes nothing. The
 * kernel's message is also written to the platform log when that kernel version would print
 * it; where the kernel would not notice, the log gets a dmasim line saying what the kernel
 * would have corrupted instead.
 */
@ProviderType
public interface DmaPool {
    /** The name as the kernel keeps it (at most 31 characters). */
    String name();

    DmaDevice device();

    /** Block size after the minimum and the alignment were applied. */
    long size();

    /** Bytes of each backing chunk: {@code max(size, PAGE_SIZE)}. */
    long allocation();

    /** Blocks never cross a multiple of this (the value the backend stored). */
    long boundary();

    /** The backend that made the pool, e.g. {@code "6.1"}. */
    String backendVersion();

    /** Created with {@code dmam_pool_create}. */
    boolean managed();

    /** Blocks handed out and not yet freed. */
    long blocksInUse();

    /** Backing chunks ("pages" in the kernel's words). */
    long pages();

    /** The "total blocks" column of the {@code pools} file as this backend computes it. */
    long totalBlocks();

    /** This pool's line in the device's {@code pools} file, without the newline. */
    String poolsLine();

    /**
     * {@code dma_pool_alloc} in the kernel's calling convention.
     *
     * @return the block's CPU address, or 0 (NULL) when no backing chunk could be allocated;
     *     the bus address is stored into {@code handle[slot]}
     */
    long alloc(int gfp, long[] handle, int slot);

    /** {@code dma_pool_alloc}: empty where the kernel returns NULL. */
    default Optional<DmaBlock> alloc(int gfp) {
        long[] handle = new long[1];
        long cpuAddr = alloc(gfp, handle, 0);
        return cpuAddr == 0 ? Optional.empty() : Optional.of(new DmaBlock(cpuAddr, handle[0]));
    }

    /** {@code dma_pool_zalloc}: the block reads as zeros. */
    default Optional<DmaBlock> zalloc(int gfp) {
        return alloc(gfp | Gfp.__GFP_ZERO);
    }

    /** {@code dma_pool_free}. */
    void free(long cpuAddr, long dmaHandle);

    default void free(DmaBlock block) {
        free(block.cpuAddr(), block.dmaHandle());
    }

    /**
     * {@code dma_pool_destroy}. Follows the kernel: blocks still in use are reported
     * ({@code dma_pool_destroy ... busy}) and their chunks are leaked, never freed; the pool is
     * gone afterwards either way.
     *
     * @throws IllegalArgumentException when the pool was already destroyed, or is managed (use
     *     {@link DmaPools#destroyManaged})
     */
    void destroy();

    boolean destroyed();
}
