package org.dmasim.api.device;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A device that does DMA, as {@code struct device} holds it for the DMA API: masks,
 * coherence, bus address translation, IOMMU attachment, reserved-memory regions and the
 * {@code dma_parms} limits. Created from device-tree nodes or programmatically.
 */
@ProviderType
public interface DmaDevice {
    /** Bus types that change DMA defaults (PCI devices get dma_parms and the 32-bit IOVA rule). */
    enum Bus {
        PLATFORM, PCI
    }

    String name();

    Bus bus();

    /** {@code *dev->dma_mask}; 0 when the device has no DMA mask pointer. */
    long dmaMask();

    long coherentDmaMask();

    /** {@code dev->bus_dma_limit}: 0 = none. */
    long busDmaLimit();

    /** {@code dev_is_dma_coherent()}. */
    boolean coherent();

    /** {@code dev->dma_range_map}; empty = identity. */
    List<DmaRange> dmaRanges();

    /** Phandles of the {@code memory-region} property, in order. */
    List<Long> memoryRegions();

    /** IOMMU specifier of the {@code iommus} property (phandle then stream IDs), if any. */
    Optional<long[]> iommus();

    /** {@code dma_get_max_seg_size()}. */
    long maxSegmentSize();

    /** {@code dma_get_seg_boundary()}. */
    long segmentBoundary();

    /** {@code dma_get_min_align_mask()}. */
    long minAlignMask();

    /**
     * {@code dev_driver_string()} of a device without a driver: its bus ("platform", "amba",
     * "pci"), what the kernel's {@code dev_warn}/{@code dev_err} lines print before the device name.
     *
     * @since 1.3
     */
    default String driverString() {
        return bus().name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * {@code dev->of_node}: the path of the device-tree node the device was made from; empty for
     * a device created from a spec (PCI devices have no node of their own).
     *
     * @since 1.4
     */
    default Optional<String> ofNode() {
        return Optional.empty();
    }

    /**
     * PCI: the path of the host bridge node the device sits behind (the node whose
     * {@code dma-ranges}, {@code dma-coherent} and {@code iommu-map} apply to it); empty otherwise.
     *
     * @since 1.4
     */
    default Optional<String> pciHostBridge() {
        return Optional.empty();
    }

    /**
     * PCI: the requester ID, {@code PCI_DEVID(bus, devfn)} = bus &lt;&lt; 8 | device &lt;&lt; 3 | function,
     * what {@code iommu-map} translates into a stream ID; empty for other buses.
     *
     * @since 1.4
     */
    default OptionalInt pciRid() {
        return OptionalInt.empty();
    }
}
