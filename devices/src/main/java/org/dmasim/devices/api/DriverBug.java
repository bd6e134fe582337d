package org.dmasim.devices.api;

/** Mistakes a shipped driver can be told to make, each one a real driver's classic bug. */
public enum DriverBug {
    /**
     * The network driver reads a received frame without {@code dma_sync_single_for_cpu} first:
     * on a non-coherent device the CPU reads its stale cached copy of the buffer.
     */
    MISSING_RX_SYNC_FOR_CPU,
    /**
     * The block driver ignores the device's segment limits: it maps its request as one
     * scatter-gather entry instead of entries of at most {@code dma_get_max_seg_size} that do not
     * cross {@code dma_get_seg_boundary}.
     */
    IGNORES_SEGMENT_LIMITS
}
