package org.dmasim.dma.core.debug;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.device.DmaRange;

/** A device as DMA-API debugging sees it, for the unit tests of its parts. */
final class TestDevice implements DebugDevice {
    private final String name;
    String driver;

    TestDevice(String name) {
        this.name = name;
    }

    @Override
    public String driverString() {
        return driver != null ? driver : "platform";
    }

    @Override
    public String driverName() {
        return driver;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Bus bus() {
        return Bus.PLATFORM;
    }

    @Override
    public long dmaMask() {
        return -1L;
    }

    @Override
    public long coherentDmaMask() {
        return -1L;
    }

    @Override
    public long busDmaLimit() {
        return 0;
    }

    @Override
    public boolean coherent() {
        return true;
    }

    @Override
    public List<DmaRange> dmaRanges() {
        return List.of();
    }

    @Override
    public List<Long> memoryRegions() {
        return List.of();
    }

    @Override
    public Optional<long[]> iommus() {
        return Optional.empty();
    }

    @Override
    public long maxSegmentSize() {
        return 0x10000;
    }

    @Override
    public long segmentBoundary() {
        return -1L;
    }

    @Override
    public long minAlignMask() {
        return 0;
    }
}
