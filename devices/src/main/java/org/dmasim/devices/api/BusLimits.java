package org.dmasim.devices.api;

/**
 * What a bus master's hardware can do, independent of what its driver tells the DMA API.
 *
 * @param addressBits address lines the device drives (32 for a legacy engine): it cannot emit a
 *     bus address at or above {@code 2^addressBits}
 * @param maxSegmentSize the longest contiguous run one descriptor may describe, in bytes (what
 *     the driver should pass to {@code dma_set_max_seg_size})
 * @param segmentBoundary a mask {@code 2^n - 1}: no descriptor may cross a multiple of
 *     {@code 2^n} (what the driver should pass to {@code dma_set_seg_boundary}); all ones for none
 */
public record BusLimits(int addressBits, long maxSegmentSize, long segmentBoundary) {
    /** The kernel's defaults for a device without dma_parms: 64 KiB segments, no boundary. */
    public static final long DEFAULT_MAX_SEGMENT = 0x10000;

    public BusLimits {
        if (addressBits < 1 || addressBits > 64) {
            throw new IllegalArgumentException("address bits: " + addressBits + " (expected: 1..64)");
        }
        if (maxSegmentSize < 1 || maxSegmentSize > 0xffffffffL) {
            throw new IllegalArgumentException("max segment size: " + maxSegmentSize
                + " (expected: 1..0xffffffff, an unsigned int as dma_set_max_seg_size takes it)");
        }
        if ((segmentBoundary & (segmentBoundary + 1)) != 0 || segmentBoundary == 0) {
            throw new IllegalArgumentException(String.format("segment boundary: %#x (expected: a mask 2^n - 1, as"
                + " dma_set_seg_boundary takes it)", segmentBoundary));
        }
    }

    /** A device of {@code addressBits} with the kernel's default segment limits. */
    public static BusLimits of(int addressBits) {
        return new BusLimits(addressBits, DEFAULT_MAX_SEGMENT, -1L);
    }

    /** {@code DMA_BIT_MASK(addressBits)}: the highest bus address the device can emit. */
    public long addressMask() {
        return addressBits == 64 ? -1L : (1L << addressBits) - 1;
    }
}
