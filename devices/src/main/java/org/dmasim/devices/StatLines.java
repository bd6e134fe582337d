package org.dmasim.devices;

import org.dmasim.devices.api.BusMaster;

/**
 * The {@code name: value} lines of {@code nic:stats} and {@code blk:stats}, indented as
 * {@code ethtool -S} prints a driver's counters, and the DMA engine's bus counters both show.
 */
final class StatLines {
    private StatLines() {
    }

    /** The engine's bus counters, in the same {@code name: value} lines. */
    static void appendBus(StringBuilder sb, BusMaster.Stats bus) {
        stat(sb, "dma_bytes_read", bus.bytesRead());
        stat(sb, "dma_bytes_written", bus.bytesWritten());
        stat(sb, "dma_bus_errors", bus.busErrors());
        stat(sb, "dma_truncated_accesses", bus.truncatedAccesses());
        stat(sb, "dma_refused_descriptors", bus.refusedDescriptors());
    }

    static void stat(StringBuilder sb, String name, long value) {
        sb.append("     ").append(name).append(": ").append(value).append('\n');
    }
}
