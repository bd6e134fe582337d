package org.dmasim.api.dma;

import org.dmasim.api.mem.MemAttr;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What dma-direct asks of the architecture ({@code arch/*}/mm/dma-mapping.c and the Kconfig
 * symbols the arch selects). Published at boot by the arch backend.
 */
@ConsumerType
public interface ArchDma {
    /**
     * {@code dma_get_cache_alignment()}: on arm64 128 in 6.1 (ARCH_DMA_MINALIGN) and 64 in 6.12
     * (the CPU's cache line), 1 on x86_64.
     */
    int cacheAlignment();

    /**
     * {@code ARCH_DMA_MINALIGN}: the alignment the architecture asks of buffers that may be used
     * for DMA (arm64 128, in 6.12 too, where it is no longer {@link #cacheAlignment()}); where the
     * architecture defines none (x86_64), {@code include/linux/cache.h}'s default,
     * {@code __alignof__(unsigned long long)} = 8.
     *
     * @since 1.3
     */
    default int dmaMinalign() {
        return 8;
    }

    /** CONFIG_OF_DMA_DEFAULT_COHERENT / the arch's answer for devices without dma-coherent. */
    boolean defaultCoherent();

    /** CONFIG_DMA_DIRECT_REMAP: non-coherent coherent buffers get a remapped alias. */
    boolean directRemap();

    /** {@code dma_pgprot(dev, PAGE_KERNEL, attrs)}: the memory type of a coherent buffer's CPU mapping. */
    MemAttr coherentPgprot(boolean deviceCoherent, long attrs);

    /**
     * {@code arch_dma_prep_coherent(page, size)}: on arm64 clean the range to the point of
     * coherency before it is used through a non-cacheable alias (6.1 also invalidates it);
     * nothing on x86.
     */
    void prepCoherent(long phys, long size);

    /** How many {@code arch_dma_prep_coherent} calls and bytes were cleaned so far. */
    long prepCoherentBytes();

    /**
     * {@code arch_sync_dma_for_device(paddr, size, dir)}: what dma-direct asks before the device
     * touches a streaming buffer of a non-coherent device (arm64: clean to the point of
     * coherency). Nothing on an architecture without ARCH_HAS_SYNC_DMA_FOR_DEVICE (x86).
     *
     * @since 1.2
     */
    default void syncDmaForDevice(long phys, long size, DmaDirection dir) {
    }

    /**
     * {@code arch_sync_dma_for_cpu(paddr, size, dir)}: what dma-direct asks before the CPU reads
     * what a non-coherent device wrote (arm64: invalidate, partial edge lines cleaned and
     * invalidated). Nothing on an architecture without ARCH_HAS_SYNC_DMA_FOR_CPU (x86).
     *
     * @since 1.2
     */
    default void syncDmaForCpu(long phys, long size, DmaDirection dir) {
    }
}
