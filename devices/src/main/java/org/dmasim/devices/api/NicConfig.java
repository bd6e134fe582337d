package org.dmasim.devices.api;

import java.util.Set;

/**
 * A ring network device and how its driver probes it.
 *
 * @param limits the hardware's DMA limits
 * @param ringSize descriptors in each of the RX and TX rings (a power of two, 2..4096)
 * @param bufferSize bytes of each posted RX buffer (the largest frame it receives; 64..65535)
 * @param maskBits the DMA mask the driver sets with {@code dma_set_mask_and_coherent}; a correct
 *     driver uses the hardware's address width, a wider one is a driver bug the device exposes
 * @param bugs mistakes the driver makes on purpose, to show what they do
 */
public record NicConfig(BusLimits limits, int ringSize, int bufferSize, int maskBits, Set<DriverBug> bugs) {
    public NicConfig {
        if (ringSize < 2 || ringSize > 4096 || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size " + ringSize + " (expected: a power of two, 2..4096)");
        }
        if (bufferSize < 64 || bufferSize > 0xffff) {
            throw new IllegalArgumentException("RX buffer size " + bufferSize + " (expected: 64..65535 bytes)");
        }
        if (maskBits < 1 || maskBits > 64) {
            throw new IllegalArgumentException("mask bits " + maskBits + " (expected: 1..64)");
        }
        bugs = Set.copyOf(bugs);
    }

    /** A correct driver for hardware of {@code addressBits}: 16-entry rings, 2 KiB buffers. */
    public static NicConfig of(int addressBits) {
        return new NicConfig(BusLimits.of(addressBits), 16, 2048, addressBits, Set.of());
    }

    public NicConfig withMaskBits(int bits) {
        return new NicConfig(limits, ringSize, bufferSize, bits, bugs);
    }

    public NicConfig withBugs(Set<DriverBug> b) {
        return new NicConfig(limits, ringSize, bufferSize, maskBits, b);
    }
}
