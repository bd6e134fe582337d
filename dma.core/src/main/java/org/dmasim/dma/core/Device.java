package org.dmasim.dma.core;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.device.DmaRange;

/**
 * A {@code struct device} as the DMA API sees it. Masks change through {@link DmaMapping};
 * everything else is fixed when the device is configured ({@code of_dma_configure} or a
 * {@code DeviceSpec}).
 */
final class Device implements DmaDevice {
    /** dma_get_max_seg_size() without dma_parms, and PCI's dma_parms default: 64 KiB. */
    static final long DEFAULT_MAX_SEG_SIZE = 0x10000;
    /** PCI devices' dma_parms segment boundary. */
    static final long PCI_SEG_BOUNDARY = 0xffffffffL;

    private final String name;
    private final Bus bus;
    private final boolean coherent;
    private final List<DmaRange> ranges;
    private final List<Long> memoryRegions;
    private final long busDmaLimit;
    private final String ofPath;
    private final String busName;
    /** OF-created devices point dev->dma_mask at coherent_dma_mask: one value, two names. */
    private final boolean maskAliasesCoherent;
    private volatile long dmaMask;
    private volatile long coherentDmaMask;
    /** {@code dev->cma_area}: a per-device CMA area from memory-region, or null. */
    volatile CmaArea cmaArea;
    /** {@code dev->dma_mem}: per-device coherent memory, or null. */
    volatile DeviceCoherentMem dmaMem;

    Device(String name, Bus bus, boolean coherent, List<DmaRange> ranges, List<Long> memoryRegions, long busDmaLimit,
        long dmaMask, long coherentDmaMask, String ofPath, String busName, boolean maskAliasesCoherent) {
        this.name = name;
        this.bus = bus;
        this.coherent = coherent;
        this.ranges = List.copyOf(ranges);
        this.memoryRegions = List.copyOf(memoryRegions);
        this.busDmaLimit = busDmaLimit;
        this.dmaMask = dmaMask;
        this.coherentDmaMask = coherentDmaMask;
        this.ofPath = ofPath;
        this.busName = busName;
        this.maskAliasesCoherent = maskAliasesCoherent;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Bus bus() {
        return bus;
    }

    @Override
    public long dmaMask() {
        return maskAliasesCoherent ? coherentDmaMask : dmaMask;
    }

    /** {@code *dev->dma_mask = mask}. */
    void setDmaMask(long mask) {
        if (maskAliasesCoherent) {
            coherentDmaMask = mask;
        } else {
            dmaMask = mask;
        }
    }

    @Override
    public long coherentDmaMask() {
        return coherentDmaMask;
    }

    void setCoherentDmaMask(long mask) {
        coherentDmaMask = mask;
    }

    @Override
    public long busDmaLimit() {
        return busDmaLimit;
    }

    @Override
    public boolean coherent() {
        return coherent;
    }

    @Override
    public List<DmaRange> dmaRanges() {
        return ranges;
    }

    @Override
    public List<Long> memoryRegions() {
        return memoryRegions;
    }

    @Override
    public Optional<long[]> iommus() {
        return Optional.empty();
    }

    @Override
    public long maxSegmentSize() {
        return DEFAULT_MAX_SEG_SIZE;
    }

    @Override
    public long segmentBoundary() {
        return bus == Bus.PCI ? PCI_SEG_BOUNDARY : -1L;
    }

    @Override
    public long minAlignMask() {
        return 0;
    }

    /** The DT node the device was made from, or empty for a programmatic device. */
    Optional<String> ofPath() {
        return Optional.ofNullable(ofPath);
    }

    /** {@code dev_driver_string()} for a device with no driver bound: the bus name. */
    String driverString() {
        return busName;
    }

    @Override
    public String toString() {
        return driverString() + " " + name;
    }
}
