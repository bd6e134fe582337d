package org.dmasim.api.dma;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.PhysAddr;
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
 *
 * <p>Every call goes to the device's current {@link DmaOps} (dma-direct unless an IOMMU or a test
 * set others); what a buffer or mapping was made by serves its free, unmap and syncs. Addresses
 * follow the vocabulary of {@link org.dmasim.api.addr}: {@code phys}, {@code dmaHandle},
 * {@code cpuAddr}.
 *
 * <p>The streaming calls check their arguments as {@code kernel/dma/mapping.c} does: an invalid
 * direction ({@link DmaDirection#NONE}) is a kernel BUG, refused here with
 * {@link IllegalArgumentException} and no change; a device without a DMA mask gets the kernel's
 * warning and {@code DMA_MAPPING_ERROR} (0 segments for a list).
 *
 * <p>Misuse. With DMA-API debugging ({@link #dmaDebug()}, Kconfig {@code DMA_API_DEBUG=y}) every
 * call is checked as {@code kernel/dma/debug.c} checks it and its errors are reported in the
 * kernel's words. Whether or not it runs, an unmap or free that does not match what was mapped or
 * allocated (an address that is not mapped, unmapping twice, another size, another API family,
 * another list length, another CPU address) is refused with {@link IllegalArgumentException} and
 * changes nothing, with a {@code dmasim:} remark saying what Linux would have done instead; what
 * Linux executes all the same (another direction, a map error never checked, a sync outside a
 * mapping) dmasim executes as Linux does.
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

    // ---- per-device DMA ops (include/linux/dma-map-ops.h) ----

    /**
     * {@code get_dma_ops(dev)}: the ops the device's calls go to; empty means dma-direct
     * ({@code dev->dma_ops} NULL).
     *
     * @since 1.2
     */
    Optional<DmaOps> dmaOps(DmaDevice dev);

    /**
     * {@code set_dma_ops(dev, ops)}, null for dma-direct. New calls go to the new ops at once;
     * buffers and mappings made by the previous ones keep going back to them.
     *
     * @since 1.2
     */
    void setDmaOps(DmaDevice dev, DmaOps ops);

    /**
     * {@code dev->dma_ops_bypass} (CONFIG_DMA_OPS_BYPASS): while set, a call whose mask (the
     * coherent mask for allocations, the DMA mask for mappings) covers all RAM goes to
     * dma-direct despite the ops.
     *
     * @since 1.2
     */
    void setDmaOpsBypass(DmaDevice dev, boolean bypass);

    /** {@code dma_get_merge_boundary}: 0 (cannot merge) for dma-direct. @since 1.2 */
    long mergeBoundary(DmaDevice dev);

    // ---- streaming DMA (dma-mapping.h) ----

    /**
     * {@code dma_map_single_attrs}: maps {@code size} bytes at a linear-map CPU address for
     * {@code dir}. A vmalloc address is rejected as the kernel does ({@code rejecting DMA map of
     * vmalloc memory}, DMA_MAPPING_ERROR).
     *
     * @return the bus address to give the device, or {@link DmaAddr#MAPPING_ERROR}; test it with
     *     {@link #mappingError}
     * @throws IllegalArgumentException for DMA_NONE, or a CPU address that is not a kernel
     *     address of this platform
     * @since 1.2
     */
    DmaAddr mapSingle(DmaDevice dev, CpuAddr cpuAddr, long size, DmaDirection dir, long attrs);

    /** {@code dma_unmap_single_attrs}. @since 1.2 */
    void unmapSingle(DmaDevice dev, DmaAddr dmaHandle, long size, DmaDirection dir, long attrs);

    /** {@code dma_map_page_attrs}: {@code size} bytes from {@code offset} into page {@code pfn}. @since 1.2 */
    DmaAddr mapPage(DmaDevice dev, long pfn, long offset, long size, DmaDirection dir, long attrs);

    /** {@code dma_unmap_page_attrs}. @since 1.2 */
    void unmapPage(DmaDevice dev, DmaAddr dmaHandle, long size, DmaDirection dir, long attrs);

    /**
     * {@code dma_map_sg_attrs}: maps the first {@code nents} entries of the list, writing their DMA
     * segments into it; the number of segments, 0 on failure. Unmap with the same {@code nents},
     * not the returned count.
     *
     * @since 1.2
     */
    int mapSg(DmaDevice dev, SgTable sg, int nents, DmaDirection dir, long attrs);

    /**
     * {@code dma_map_sgtable}: maps every entry, sets {@link SgTable#nents()}; 0, or -EINVAL,
     * -ENOMEM or -EIO.
     *
     * @since 1.2
     */
    int mapSgtable(DmaDevice dev, SgTable sgt, DmaDirection dir, long attrs);

    /** {@code dma_unmap_sg_attrs} with the {@code nents} given to the map. @since 1.2 */
    void unmapSg(DmaDevice dev, SgTable sg, int nents, DmaDirection dir, long attrs);

    /** {@code dma_unmap_sgtable}. @since 1.2 */
    default void unmapSgtable(DmaDevice dev, SgTable sgt, DmaDirection dir, long attrs) {
        unmapSg(dev, sgt, sgt.origNents(), dir, attrs);
    }

    /** {@code dma_map_resource}: an MMIO range for peer-to-peer DMA, never bounced. @since 1.2 */
    DmaAddr mapResource(DmaDevice dev, PhysAddr phys, long size, DmaDirection dir, long attrs);

    /** {@code dma_unmap_resource}. @since 1.2 */
    void unmapResource(DmaDevice dev, DmaAddr dmaHandle, long size, DmaDirection dir, long attrs);

    /** {@code dma_sync_single_for_cpu}. @since 1.2 */
    void syncSingleForCpu(DmaDevice dev, DmaAddr dmaHandle, long size, DmaDirection dir);

    /** {@code dma_sync_single_for_device}. @since 1.2 */
    void syncSingleForDevice(DmaDevice dev, DmaAddr dmaHandle, long size, DmaDirection dir);

    /** {@code dma_sync_single_range_for_cpu}: {@code size} bytes from {@code offset} into the mapping. @since 1.2 */
    default void syncSingleRangeForCpu(DmaDevice dev, DmaAddr dmaHandle, long offset, long size, DmaDirection dir) {
        syncSingleForCpu(dev, dmaHandle.plus(offset), size, dir);
    }

    /** {@code dma_sync_single_range_for_device}. @since 1.2 */
    default void syncSingleRangeForDevice(DmaDevice dev, DmaAddr dmaHandle, long offset, long size,
        DmaDirection dir) {
        syncSingleForDevice(dev, dmaHandle.plus(offset), size, dir);
    }

    /** {@code dma_sync_sg_for_cpu} of the first {@code nents} entries (the map's nents). @since 1.2 */
    void syncSgForCpu(DmaDevice dev, SgTable sg, int nents, DmaDirection dir);

    /** {@code dma_sync_sg_for_device}. @since 1.2 */
    void syncSgForDevice(DmaDevice dev, SgTable sg, int nents, DmaDirection dir);

    /**
     * {@code dma_mapping_error}: -ENOMEM for {@link DmaAddr#MAPPING_ERROR}, else 0.
     *
     * @since 1.2
     */
    int mappingError(DmaDevice dev, DmaAddr dmaHandle);

    /** {@code dma_need_sync}: whether syncs of this mapping do anything. @since 1.2 */
    boolean needSync(DmaDevice dev, DmaAddr dmaHandle);

    /**
     * Live streaming mappings of all devices, device by device (in no set order within a device:
     * they are kept in per-thread hash tables); a weakly consistent snapshot while other threads map.
     * @since 1.2
     */
    List<StreamingMapping> mappings();

    /**
     * A device's access to {@code size} bytes at {@code dmaHandle}: the CPU physical address the
     * bus delivers it to. A range inside a mapping whose backend was forced out (revoked) faults
     * instead of reaching memory that now belongs to someone else.
     *
     * @throws BusFault when no memory answers there, or the mapping was revoked
     * @since 1.2
     */
    default PhysAddr deviceAccess(DmaDevice dev, DmaAddr dmaHandle, long size) {
        return deviceAccess(dev, dmaHandle, size, false);
    }

    /**
     * {@link #deviceAccess(DmaDevice, DmaAddr, long)} as a read ({@code write} false) or a write:
     * behind an IOMMU the two differ (a device write to a page mapped {@code DMA_TO_DEVICE} is a
     * permission fault, memory untouched). The three-argument form is a read.
     *
     * @throws BusFault when no memory answers there, the IOMMU refuses the access, or the mapping
     *     was revoked
     * @since 1.4
     */
    PhysAddr deviceAccess(DmaDevice dev, DmaAddr dmaHandle, long size, boolean write);

    /**
     * Calls {@code added} for each device created from now on ({@code BUS_NOTIFY_ADD_DEVICE}, which
     * an IOMMU driver listens to in order to probe devices that appear after it), until the returned
     * handle is closed.
     *
     * @since 1.4
     */
    AutoCloseable onDeviceAdded(java.util.function.Consumer<DmaDevice> added);

    /** CPU access to what the API returned. */
    KernelVm kernelVm();

    // ---- drivers and DMA-API debugging ----

    /**
     * DMA-API debugging ({@code kernel/dma/debug.c}) of this platform: present when its kernel is
     * built with {@code DMA_API_DEBUG=y}, even when {@code dma_debug=off} disabled it.
     *
     * @since 1.3
     */
    default Optional<DmaApiDebug> dmaDebug() {
        return Optional.empty();
    }

    /**
     * Binds a driver to the device ({@code really_probe}: {@code dev->driver = drv}). From now on
     * the kernel's messages about the device name the driver where they named the bus
     * ({@code dev_driver_string}): {@code DMA-API: e1000e 0000:00:02.0: ...}.
     *
     * @throws IllegalArgumentException when a driver is bound already, or the name is blank or has
     *     white space
     * @since 1.3
     */
    void bindDriver(DmaDevice dev, String driver);

    /**
     * Unbinds the device's driver ({@code device_release_driver}): {@code dev->driver} becomes
     * NULL, then the bus's {@code BUS_NOTIFY_UNBOUND_DRIVER} notifiers run. DMA-API debugging
     * listens on the PCI bus (6.1's only {@code dma_debug_add_bus} caller) and reports a device
     * that still holds mappings or coherent buffers ({@code has pending DMA allocations while
     * released from device}). What the device holds stays mapped, as the kernel leaks it.
     *
     * @return the lines the kernel printed, and dmasim's remark about what was left behind
     * @throws IllegalArgumentException when no driver is bound
     * @since 1.3
     */
    List<String> unbindDriver(DmaDevice dev);

    /** The driver bound to the device ({@code dev->driver->name}), if any. @since 1.3 */
    Optional<String> driver(DmaDevice dev);

    /**
     * {@code current->stack}: the kernel stack of the task the calling thread stands for,
     * {@code THREAD_SIZE} (16 KiB) from the page allocator on the thread's first call. With
     * {@code VMAP_STACK=y} (Debian's arm64 and amd64 kernels) it is a vmalloc mapping, so
     * {@link #mapSingle} rejects it as vmalloc memory and only {@code dma_map_page} of its page
     * reaches DMA-API debug's stack check; with {@code VMAP_STACK=n} it lies in the linear map.
     *
     * @since 1.3
     */
    CpuAddr taskStack();
}
