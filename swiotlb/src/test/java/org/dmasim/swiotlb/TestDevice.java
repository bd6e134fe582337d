package org.dmasim.swiotlb;

import org.dmasim.testing.FakeDevice;

/**
 * A non-coherent platform device (32-bit masks, no dma-ranges) whose swiotlb-relevant limits a
 * test sets: segment boundary (all ones unless set, unlike FakeDevice's 4 GiB one, so a mapping
 * may span any number of slots) and min_align_mask.
 */
final class TestDevice extends FakeDevice {
    long segmentBoundary = -1L;
    long minAlignMask;

    TestDevice(String name) {
        super(name, 0);
    }

    @Override
    public boolean coherent() {
        return false;
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
