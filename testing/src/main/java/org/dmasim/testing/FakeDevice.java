package org.dmasim.testing;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.device.DmaRange;

/**
 * A coherent platform device; bus addresses are phys minus {@code dmaOffset} (a dma-ranges offset).
 * Open for tests that need a device with more (dma.core's DMA-API debugging tests add a driver).
 */
public class FakeDevice implements DmaDevice {
    private final String name;
    final long dmaOffset;
    volatile long mask = 0xffff_ffffL;

    public FakeDevice(String name, long dmaOffset) {
        this.name = name;
        this.dmaOffset = dmaOffset;
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
        return mask;
    }

    @Override
    public long coherentDmaMask() {
        return mask;
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
        return dmaOffset == 0 ? List.of() : List.of(new DmaRange(FakeDma.RAM_BASE, FakeDma.RAM_BASE - dmaOffset, 1L << 32));
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
        return 65536;
    }

    @Override
    public long segmentBoundary() {
        return 0xffff_ffffL;
    }

    @Override
    public long minAlignMask() {
        return 0;
    }

    @Override
    public String toString() {
        return name;
    }
}
