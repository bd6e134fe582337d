package org.dmasim.api.dma;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.mem.KernelVm;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The DMA API of one booted platform ({@code kernel/dma/mapping.c} and dma-direct). Published
 * by dma.core; reach it with {@code platform.lookup(DmaApi.class)}.
 *
 * <p>Return conventions follow the kernel: mask setters return 0 or a negative errno;
 * allocators return empty where the kernel returns NULL (with the kernel's warning in the
 * platform log when it prints one). Misuse the kernel would only catch with DMA-API debugging
 * (freeing what was never allocated, a wrong size or CPU address) throws
 * {@link IllegalArgumentException} carrying the DMA-API debug message, and changes nothing.
 */
@ProviderType
public interface DmaApi {
    /** Devices in creation order: those from the device tree first. */
    List<DmaDevice> devices();

    Optional<DmaDevice> device(String name);

    /**
     * Registers a device and configures it as {@code of_dma_configure} would.
     *
     * @throws IllegalArgumentException for a duplicate name or an unknown memory region
     */
    DmaDevice createDevice(DeviceSpec spec);

    /** {@code dma_set_mask}: 0, or -EIO (mask unchanged) when dma_supported() says no. */
    int setMask(DmaDevice dev, long mask);

    /** {@code dma_set_coherent_mask}. */
    int setCoherentMask(DmaDevice dev, long mask);

    /** {@code dma_set_mask_and_coherent}. */
    int setMaskAndCoherent(DmaDevice dev, long mask);

    /** {@code dma_supported}. */
    boolean supported(DmaDevice dev, long mask);

    /** {@code dma_get_required_mask}. */
    long requiredMask(DmaDevice dev);

    /** {@code dma_get_cache_alignment}. */
    int cacheAlignment();

    /**
     * {@code dma_max_mapping_size}: -1 stands for SIZE_MAX. For dma-direct, swiotlb's limit
     * (IO_TLB_SEGSIZE slots of IO_TLB_SIZE bytes less the min_align_mask rounding: 256 KiB) when
     * swiotlb is active for the device and the device is addressing-limited or bouncing is forced.
     */
    long maxMappingSize(DmaDevice dev);

    /**
     * {@code dma_opt_mapping_size} (6.0+): {@code min(dma_max_mapping_size, ops->opt_mapping_size)},
     * SIZE_MAX standing in for ops without an opinion (dma-direct); -1 stands for SIZE_MAX.
     *
     * @since 1.1
     */
    long optMappingSize(DmaDevice dev);

    /**
     * {@code dma_set_max_seg_size}: 0, or -EIO for a device without {@code dma_parms}. A size of 0
     * restores the default (64 KiB).
     *
     * @throws IllegalArgumentException for a size that does not fit the kernel's unsigned int
     * @since 1.1
     */
    int setMaxSegmentSize(DmaDevice dev, long size);

    /**
     * {@code dma_set_seg_boundary}: 0, or -EIO for a device without {@code dma_parms}. A mask of 0
     * restores the default (ULONG_MAX).
     *
     * @since 1.1
     */
    int setSegmentBoundary(DmaDevice dev, long mask);

    /**
     * {@code dma_set_min_align_mask} (swiotlb keeps these low address bits of the original
     * buffer; NVMe sets 4095).
     *
     * @throws IllegalArgumentException for a mask that does not fit the kernel's unsigned int
     * @since 1.1
     */
    void setMinAlignMask(DmaDevice dev, long mask);

    /**
     * A snapshot of every DMA parameter of the device: masks, coherence, bus window, segment
     * limits, CMA area, per-device pool, DMA ops and the mapping size limits.
     *
     * @since 1.1
     */
    DeviceInfoDTO deviceInfo(DmaDevice dev);

    /** {@code dma_alloc_attrs}. */
    Optional<CoherentBuffer> alloc(DmaDevice dev, long size, int gfp, long attrs);

    /** {@code dma_alloc_coherent}. */
    default Optional<CoherentBuffer> allocCoherent(DmaDevice dev, long size, int gfp) {
        return alloc(dev, size, gfp, 0);
    }

    /** {@code dma_free_attrs}. */
    void free(DmaDevice dev, long size, long cpuAddr, long dmaHandle, long attrs);

    /** {@code dma_free_coherent}. */
    default void freeCoherent(DmaDevice dev, long size, long cpuAddr, long dmaHandle) {
        free(dev, size, cpuAddr, dmaHandle, 0);
    }

    /** {@code dma_alloc_pages}: linear-map pages, never remapped, zeroed. */
    Optional<CoherentBuffer> allocPages(DmaDevice dev, long size, int gfp);

    /** {@code dma_free_pages}. */
    void freePages(DmaDevice dev, long size, long cpuAddr, long dmaHandle);

    /** {@code dma_alloc_noncoherent}: like dma_alloc_pages; the caller syncs. */
    Optional<CoherentBuffer> allocNoncoherent(DmaDevice dev, long size, int gfp);

    /** {@code dma_free_noncoherent}. */
    void freeNoncoherent(DmaDevice dev, long size, long cpuAddr, long dmaHandle);

    /**
     * {@code dma_mmap_coherent} into a user mapping of {@code vmaPages} pages at page offset
     * {@code pgoff} of the buffer.
     *
     * @return the pfns the user pages now map, or empty with the errno the kernel returns
     *     (-ENXIO when the range does not fit the buffer)
     */
    MmapResult mmapCoherent(DmaDevice dev, long cpuAddr, long dmaHandle, long size, long vmaPages, long pgoff);

    /** The answer of {@link #mmapCoherent}: errno 0 and the mapped pfns, or a negative errno. */
    record MmapResult(int errno, List<Long> pfns) {
    }

    /**
     * {@code dma_declare_coherent_memory(dev, phys, dev_addr, size)}: 0, -EBUSY when the
     * device already has one, -EINVAL for a range outside RAM or not page aligned.
     */
    int declareCoherentMemory(DmaDevice dev, long phys, long devAddr, long size);

    /** Live coherent allocations of all devices, oldest first. */
    List<CoherentBuffer> allocations();

    /** CPU access to what the API returned. */
    KernelVm kernelVm();
}
