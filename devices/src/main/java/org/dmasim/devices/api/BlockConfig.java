package org.dmasim.devices.api;

import java.util.Set;

/**
 * A scatter-gather block device and how its driver probes it.
 *
 * @param limits the DMA engine's limits (its driver passes them to {@code dma_set_max_seg_size}
 *     and {@code dma_set_seg_boundary})
 * @param capacitySectors sectors of 512 bytes the medium holds
 * @param maxTransferBytes the most one request moves ({@code max_hw_sectors} * 512)
 * @param maskBits the DMA mask the driver sets
 * @param bugs mistakes the driver makes on purpose
 */
public record BlockConfig(BusLimits limits, long capacitySectors, long maxTransferBytes, int maskBits,
    Set<DriverBug> bugs) {
    public BlockConfig {
        if (capacitySectors < 1) {
            throw new IllegalArgumentException("capacity " + capacitySectors + " sectors (expected: at least 1)");
        }
        if (maxTransferBytes < BlockHw.SECTOR_SIZE || maxTransferBytes % BlockHw.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("max transfer " + maxTransferBytes
                + " bytes (expected: whole 512-byte sectors, at least one)");
        }
        if (maskBits < 1 || maskBits > 64) {
            throw new IllegalArgumentException("mask bits " + maskBits + " (expected: 1..64)");
        }
        bugs = Set.copyOf(bugs);
    }

    /**
     * A correct driver for a device of {@code addressBits}: 64 KiB segments that do not cross a
     * 64 KiB boundary, 256 KiB per request, 64 MiB of medium.
     */
    public static BlockConfig of(int addressBits) {
        return new BlockConfig(new BusLimits(addressBits, 0x10000, 0xffff), 131072, 256 * 1024, addressBits, Set.of());
    }

    public BlockConfig withBugs(Set<DriverBug> b) {
        return new BlockConfig(limits, capacitySectors, maxTransferBytes, maskBits, b);
    }

    public BlockConfig withLimits(BusLimits l) {
        return new BlockConfig(l, capacitySectors, maxTransferBytes, maskBits, bugs);
    }
}
