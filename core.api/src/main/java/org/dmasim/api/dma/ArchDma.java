package org.dmasim.api.dma;

import org.dmasim.api.mem.MemAttr;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What dma-direct asks of the architecture ({@code arch/*}/mm/dma-mapping.c and the Kconfig
 * symbols the arch selects). Published at boot by the arch backend.
 */
@ConsumerType
public interface ArchDma {
    /** {@code dma_get_cache_alignment()}: 128 on arm64 6.1 (ARCH_DMA_MINALIGN), 1 on x86_64. */
    int cacheAlignment();

    /** CONFIG_OF_DMA_DEFAULT_COHERENT / the arch's answer for devices without dma-coherent. */
    boolean defaultCoherent();

    /** CONFIG_DMA_DIRECT_REMAP: non-coherent coherent buffers get a remapped alias. */
    boolean directRemap();

    /** {@code dma_pgprot(dev, PAGE_KERNEL, attrs)}: the memory type of a coherent buffer's CPU mapping. */
    MemAttr coherentPgprot(boolean deviceCoherent, long attrs);

    /**
     * {@code arch_dma_prep_coherent(page, size)}: on arm64 clean the range to the point of
     * coherency before it is used through a non-cacheable alias; nothing on x86.
     */
    void prepCoherent(long phys, long size);

    /** How many {@code arch_dma_prep_coherent} calls and bytes were cleaned so far. */
    long prepCoherentBytes();

    /**
     * {@code arch_sync_dma_for_device(paddr, size, dir)}: the cache maintenance that hands
     * [paddr, paddr + size) to a device that does not snoop. dma-direct calls it for
     * non-coherent devices only ({@code !dev_is_dma_coherent(dev)}): after mapping (unless
     * DMA_ATTR_SKIP_CPU_SYNC) and in {@code dma_sync_*_for_device}, on the bounce buffer's
     * address when swiotlb bounced (after the copy into it). arm64 6.1 cleans every line the
     * range touches to the point of coherency, whatever the direction; x86 has no such hook.
     */
    void syncForDevice(long paddr, long size, DmaDirection dir);

    /**
     * {@code arch_sync_dma_for_cpu(paddr, size, dir)}: the cache maintenance that hands the range
     * back to the CPU, for non-coherent devices only: at unmap (unless DMA_ATTR_SKIP_CPU_SYNC)
     * and in {@code dma_sync_*_for_cpu}, before swiotlb copies a bounce buffer back. arm64 6.1:
     * nothing for DMA_TO_DEVICE; otherwise invalidate, the partially covered first and last
     * lines cleaned and invalidated ({@code dcache_inval_poc}); x86 has no such hook.
     */
    void syncForCpu(long paddr, long size, DmaDirection dir);

    /**
     * {@code ARCH_KMALLOC_MINALIGN}: the smallest alignment and size kmalloc hands out. arm64
     * 6.1: ARCH_DMA_MINALIGN = 128 (so a kmalloc buffer never shares a cache line with another);
     * x86_64: {@code __alignof__(unsigned long long)} = 8.
     */
    int kmallocMinAlign();
}
