package org.dmasim.swiotlb;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.device.DmaRange;

/** A platform device whose swiotlb-relevant limits a test sets: segment boundary, min_align_mask. */
final class TestDevice implements DmaDevice {
    private final String name;
    long segmentBoundary = -1L;
    long minAlignMask;

    TestDevice(String name) {
        this.name = name;
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
        return 0xffffffffL;
    }

    @Override
    public long coherentDmaMask() {
        return 0xffffffffL;
    }

    @Override
    public long busDmaLimit() {
        return 0;
    }

    @Override
    public boolean coherent() {
        return false;
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
        return segmentBoundary;
    }

    @Override
    public long minAlignMask() {
        return minAlignMask;
    }
}
