package org.dmasim.api.dma;

import java.util.Optional;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.device.DmaDevice;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Per-device DMA operations: {@code struct dma_map_ops} of Linux 6.1
 * ({@code include/linux/dma-map-ops.h}), what {@code dev->dma_ops} points at.
 *
 * <p>dma.core ({@code kernel/dma/mapping.c}) dispatches every DMA API call on the device's
 * current ops, as the kernel's {@code dma_map_direct()}/{@code dma_alloc_direct()} do: to
 * dma-direct (named {@value #DIRECT}, dma.core's own implementation) when the device has no ops
 * or bypasses them with a mask that covers all RAM, else to the ops table (an IOMMU's). Every
 * coherent buffer and every streaming mapping records the ops instance that made it, and its
 * free, unmap and syncs go back to that instance even after the device's ops changed.
 *
 * <p>What dma.core does around each call, so ops need not: argument checks (direction,
 * {@code dev->dma_mask}), per-device coherent memory ({@code dev->dma_mem} comes before any
 * ops), stripping zone modifiers from the GFP of {@code dma_alloc_attrs}, page-aligning
 * {@code dma_alloc_pages} sizes, the records and their checks.
 *
 * <p>Operations the kernel leaves NULL in some tables are default methods here that behave as
 * {@code mapping.c} does for a NULL pointer; an implementation overrides what it has.
 */
@ProviderType
public interface DmaOps {
    /** The name of dma-direct, the ops of a device without {@code dma_ops}. */
    String DIRECT = "direct";
    /** {@code SIZE_MAX} as sizes are returned. */
    long SIZE_MAX = -1L;
    /** {@code DMA_MAPPING_ERROR}. */
    long DMA_MAPPING_ERROR = -1L;

    /**
     * A coherent allocation made by ops: the buffer, the backend instance whose memory it holds
     * (the CMA allocator, the atomic pools), already holding one of its holdings, and whatever the
     * ops want back at free time (the area or pool object that served it); dma.core keeps all three
     * with the buffer and hands them back to {@link #free}.
     */
    record Allocation(CoherentBuffer buffer, Optional<BackendInstance> backend, Object cookie) {
        public Allocation(CoherentBuffer buffer) {
            this(buffer, Optional.empty(), null);
        }
    }

    /** Shown as the device's {@code dma_ops}: {@value #DIRECT}, {@code iommu}. */
    String name();

    /**
     * The backend instance this table belongs to (an IOMMU's), held by every buffer and mapping
     * it makes; empty for dma-direct, which is part of dma.core.
     */
    default Optional<BackendInstance> instance() {
        return Optional.empty();
    }

    /**
     * Whether every mapping and buffer these ops make holds {@link #instance()} through a backend
     * instance of its own that is part of it ({@link BackendInstance#parent()}: an IOMMU's domain).
     * dma.core then counts no holding of its own on the ops' instance (one count per mapping, not
     * two) and learns that the ops took no new work from a map that failed while their instance is
     * no longer ACTIVE. False: dma.core holds the instance before each map and allocation.
     *
     * @since 1.5
     */
    default boolean holdsInstanceThroughChild() {
        return false;
    }

    // ---- coherent memory ----

    /**
     * {@code alloc}: a coherent buffer of {@code size} bytes, empty where the kernel returns NULL.
     * The GFP has lost its zone modifiers already.
     */
    default Optional<Allocation> alloc(DmaDevice dev, long size, int gfp, long attrs) {
        return Optional.empty();
    }

    /** {@code free} of a buffer this table allocated (dma.core checked it against its record). */
    default void free(DmaDevice dev, Allocation allocation, long attrs) {
    }

    /** {@code alloc_pages} ({@code dma_alloc_pages}, {@code dma_alloc_noncoherent}): size is page aligned. */
    default Optional<Allocation> allocPages(DmaDevice dev, long size, DmaDirection dir, int gfp) {
        return Optional.empty();
    }

    /** {@code free_pages}. */
    default void freePages(DmaDevice dev, Allocation allocation, DmaDirection dir) {
    }

    /**
     * Whether the table has {@code alloc_noncontiguous}; without it {@code dma_alloc_noncontiguous}
     * takes one contiguous chunk through {@link #allocPages} ({@code alloc_single_sgt}).
     */
    default boolean hasAllocNoncontiguous() {
        return false;
    }

    /** {@code alloc_noncontiguous}: pages that need not be contiguous, as a list. */
    default Optional<SgTable> allocNoncontiguous(DmaDevice dev, long size, DmaDirection dir, int gfp, long attrs) {
        return Optional.empty();
    }

    /** {@code free_noncontiguous}. */
    default void freeNoncontiguous(DmaDevice dev, long size, SgTable sgt, DmaDirection dir) {
    }

    /**
     * {@code mmap} of a coherent buffer into a user mapping of {@code vmaPages} pages at page
     * offset {@code pgoff}; a table without it answers -ENXIO, as {@code dma_mmap_attrs} does.
     */
    default DmaApi.MmapResult mmap(DmaDevice dev, long cpuAddr, long dmaHandle, long size, long vmaPages, long pgoff,
        long attrs) {
        return new DmaApi.MmapResult(-org.dmasim.api.boot.Errno.ENXIO, java.util.List.of());
    }

    /**
     * {@code get_sgtable}: the pages of a coherent buffer as a list; empty where the kernel returns
     * -ENXIO (a table without the op).
     */
    default Optional<SgTable> getSgtable(DmaDevice dev, long cpuAddr, long dmaHandle, long size, long attrs) {
        return Optional.empty();
    }

    // ---- streaming DMA ----

    /**
     * {@code map_page}: maps {@code m.size()} bytes from {@code m.phys()}; the bus address, or
     * {@link #DMA_MAPPING_ERROR}. A mapping that uses a backend instance's resources says so with
     * {@link StreamingMapping#holdBackend}.
     */
    long mapPage(StreamingMapping m);

    /** {@code unmap_page} of a mapping this table made, with the size and direction of the unmap call. */
    default void unmapPage(StreamingMapping m, long size, DmaDirection dir, long attrs) {
    }

    /**
     * {@code map_sg}: maps the first {@code m.sgCallEnts()} entries of {@code m.sg()}, writing each
     * DMA segment into the list; the number of segments, 0 or a negative errno (-EINVAL, -ENOMEM,
     * -EIO) on failure, with nothing left mapped.
     */
    int mapSg(StreamingMapping m);

    /** {@code unmap_sg}. */
    default void unmapSg(StreamingMapping m, int nents, DmaDirection dir, long attrs) {
    }

    /**
     * {@code map_resource}: an MMIO range for peer-to-peer DMA, never bounced; a table without it
     * leaves {@code dma_map_resource} returning {@link #DMA_MAPPING_ERROR}.
     */
    default long mapResource(StreamingMapping m) {
        return DMA_MAPPING_ERROR;
    }

    /** {@code unmap_resource}. */
    default void unmapResource(StreamingMapping m, long size, DmaDirection dir, long attrs) {
    }

    /**
     * {@code sync_single_for_cpu} of {@code size} bytes at {@code dmaHandle} (inside {@code m}, or
     * {@code m} null when the address is in no recorded mapping: the kernel syncs anyway).
     */
    default void syncSingleForCpu(StreamingMapping m, DmaDevice dev, long dmaHandle, long size, DmaDirection dir) {
    }

    /** {@code sync_single_for_device}; see {@link #syncSingleForCpu}. */
    default void syncSingleForDevice(StreamingMapping m, DmaDevice dev, long dmaHandle, long size,
        DmaDirection dir) {
    }

    /** {@code sync_sg_for_cpu} of the first {@code nents} entries of the list of {@code m}. */
    default void syncSgForCpu(StreamingMapping m, int nents, DmaDirection dir) {
    }

    /** {@code sync_sg_for_device}. */
    default void syncSgForDevice(StreamingMapping m, int nents, DmaDirection dir) {
    }

    /**
     * {@code dma_need_sync}: whether syncs of the mapping at {@code dmaHandle} do anything. For a
     * table other than dma-direct the kernel answers whether it has sync operations at all.
     */
    default boolean needSync(DmaDevice dev, long dmaHandle) {
        return false;
    }

    /**
     * Where a device's access to {@code size} bytes at {@code dmaHandle} lands: the CPU physical
     * address (dma-direct: {@code dma_to_phys}; an IOMMU: its page tables), or -1 when nothing
     * answers there (the access faults). A table without it translates nothing.
     */
    default long busToPhys(DmaDevice dev, long dmaHandle, long size) {
        return -1;
    }

    /**
     * {@link #busToPhys(DmaDevice, long, long)} for a read ({@code write} false) or a write by the
     * device: an IOMMU checks the access against the mapping's permissions (a write to a
     * {@code DMA_TO_DEVICE} page faults) and records a fault where its hardware would. A table
     * that does not tell reads from writes answers as for a read.
     *
     * @since 1.4
     */
    default long busToPhys(DmaDevice dev, long dmaHandle, long size, boolean write) {
        return busToPhys(dev, dmaHandle, size);
    }

    /**
     * What the ops do when the backend instance a mapping holds is forced out: make the data
     * safe (copy bounce buffers the device may have written back to the original memory) and
     * drop the backend resources, so that the device can no longer reach them.
     */
    default void revoke(StreamingMapping m) {
    }

    // ---- device limits ----

    /** {@code dma_supported}; a table without it accepts every mask. */
    default boolean dmaSupported(DmaDevice dev, long mask) {
        return true;
    }

    /** {@code get_required_mask}; without it 32 bits, as {@code dma_get_required_mask} assumes. */
    default long requiredMask(DmaDevice dev) {
        return 0xffffffffL;
    }

    /** {@code max_mapping_size}; SIZE_MAX without it. */
    default long maxMappingSize(DmaDevice dev) {
        return SIZE_MAX;
    }

    /** {@code opt_mapping_size} (6.0+); SIZE_MAX without it. */
    default long optMappingSize(DmaDevice dev) {
        return SIZE_MAX;
    }

    /** {@code get_merge_boundary}; 0 ("cannot merge") without it. */
    default long mergeBoundary(DmaDevice dev) {
        return 0;
    }
}
