package org.dmasim.api.device;

import java.util.List;

/**
 * Everything a driver author checks about one device's DMA set-up, as the kernel's getters
 * answer it at the moment of the snapshot ({@code DmaApi.deviceInfo}).
 *
 * <p>A data transfer object: public fields, no behaviour. It grows: later minor versions of this
 * package add fields (the IOMMU bundle adds its domain and group), so consumers must not assume
 * the field set is complete and must accept null in object fields they do not know.
 * Masks and sizes are unsigned 64-bit values held in a {@code long}; -1 in
 * {@link #maxMappingSize} and {@link #optMappingSize} stands for SIZE_MAX.
 *
 * @since 1.1
 */
public class DeviceInfoDTO {
    /** {@code dev_name()}. */
    public String name;
    /** The bus as {@code dev_driver_string()} shows it without a driver: platform, amba or pci. */
    public String bus;
    /** The bound driver's name ({@code dev->driver->name}), or null when no driver is bound. @since 1.3 */
    public String driver;
    /** {@code dev->of_node}'s path, or null for a device created without a device-tree node. */
    public String ofNode;
    /** PCI: the host bridge node {@code pci_dma_configure} took the DMA set-up from, or null. */
    public String hostBridge;
    /** {@code dev_is_dma_coherent()}. */
    public boolean coherent;
    /** {@code *dev->dma_mask} ({@code dma_get_mask}). */
    public long dmaMask;
    /** {@code dev->coherent_dma_mask}. */
    public long coherentDmaMask;
    /** Whether {@code dev->dma_mask} points at {@code coherent_dma_mask}, so that one setter sets both (AMBA). */
    public boolean singleMask;
    /** {@code dev->bus_dma_limit}; 0 = none. */
    public long busDmaLimit;
    /** {@code dev->dma_range_map}; empty = CPU and bus addresses are the same. */
    public List<DmaRangeDTO> dmaRanges;
    /** {@code dma_get_max_seg_size()}. */
    public long maxSegmentSize;
    /** {@code dma_get_seg_boundary()}. */
    public long segmentBoundaryMask;
    /** {@code dma_get_min_align_mask()}. */
    public long minAlignMask;
    /** {@code dma_get_required_mask()}. */
    public long requiredMask;
    /** {@code dev_get_cma_area()}: the device's own area, else the default one; null when there is none. */
    public CmaAreaDTO cmaArea;
    /** {@code dev->dma_mem}: the per-device coherent pool, or null. */
    public CoherentPoolDTO coherentPool;
    /** Which DMA ops serve the device: "direct" (dma-direct, {@code get_dma_ops() == NULL}), or the ops' name ("iommu"). */
    public String dmaOps;
    /**
     * The backend instances that serve the device: first those new work goes to (its ops' own
     * instance, swiotlb, the CMA allocator when it has an area, the atomic pools for a
     * non-coherent device that remaps), then any other instance still holding some of its
     * buffers or mappings (a replaced one, draining). Empty, never null, for a device nothing
     * serves but dma-direct.
     *
     * @since 1.2
     */
    public List<BackendDTO> backends;
    /** Live streaming mappings of the device. @since 1.2 */
    public int mappings;
    /** {@code is_swiotlb_active(dev)}: the device can bounce through swiotlb. */
    public boolean swiotlbActive;
    /** {@code is_swiotlb_force_bounce(dev)} ({@code swiotlb=force}). */
    public boolean swiotlbForceBounce;
    /** {@code dma_max_mapping_size()}; -1 = SIZE_MAX. */
    public long maxMappingSize;
    /** {@code dma_opt_mapping_size()}; -1 = SIZE_MAX. */
    public long optMappingSize;

    /** A backend instance as the device view shows it. @since 1.2 */
    public static class BackendDTO {
        /** swiotlb, cma, atomicpool, iommu, ... */
        public String kind;
        /** {@code swiotlb#2}. */
        public String id;
        /** ACTIVE, DRAINING or RELEASED. */
        public String state;
        /** What the instance is ({@code bounce pool [mem ...]}). */
        public String description;
        /** What it holds for every device. */
        public long held;
        /** What it holds for this device: its buffers and mappings there. */
        public long heldForDevice;
    }

    /** One {@code struct bus_dma_region}. */
    public static class DmaRangeDTO {
        public long cpuStart;
        public long dmaStart;
        public long size;
        /** {@code cpu_start - dma_start}. */
        public long offset;

        public static DmaRangeDTO of(DmaRange r) {
            DmaRangeDTO d = new DmaRangeDTO();
            d.cpuStart = r.cpuStart();
            d.dmaStart = r.dmaStart();
            d.size = r.size();
            d.offset = r.offset();
            return d;
        }
    }

    /** A CMA area as the device sees it. */
    public static class CmaAreaDTO {
        /** "reserved" for the default area, else the reserved-memory node name. */
        public String name;
        public long base;
        public long size;
        /** {@code dev->cma_area} (from {@code memory-region}) rather than the default area. */
        public boolean perDevice;
    }

    /** A per-device coherent pool ({@code struct dma_coherent_mem}). */
    public static class CoherentPoolDTO {
        /** The reserved-memory node name, or the device name for {@code dma_declare_coherent_memory}. */
        public String name;
        public long phys;
        /** The bus address of the pool's first byte as the device uses it. */
        public long deviceBase;
        public long size;
        /** Bytes handed out (whole pages). */
        public long used;
    }
}
