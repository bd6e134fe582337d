package org.dmasim.devices.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A probed ring network device: its driver as the network stack calls it, and the wire.
 *
 * <p>The driver keeps an RX and a TX ring of 16-byte descriptors in coherent memory
 * ({@code dma_alloc_coherent}); TX frames are copied into a kmalloc buffer and mapped
 * {@code DMA_TO_DEVICE} per frame; RX buffers are kmalloc buffers mapped {@code DMA_FROM_DEVICE}
 * once and recycled: a received frame is synced for the CPU, copied out, and the buffer synced
 * back for the device and posted again.
 */
@ProviderType
public interface NetDriver {
    /** {@code NETDEV_TX_OK}. */
    int NETDEV_TX_OK = 0;
    /** {@code NETDEV_TX_BUSY}: the TX ring is full; the stack retries later. */
    int NETDEV_TX_BUSY = 0x10;

    /** The device's name. */
    String name();

    BusMaster bus();

    /**
     * {@code ndo_start_xmit}: queue a frame and ring the TX doorbell; the device sends it at once.
     *
     * @return {@link #NETDEV_TX_OK} (also when the frame could not be allocated or mapped: the
     *     driver drops it and counts {@code tx_dropped}, as drivers do), or {@link #NETDEV_TX_BUSY}
     *     when the TX ring is full
     */
    int xmit(byte[] frame);

    /**
     * The NAPI poll: reclaims sent TX buffers and hands up to {@code budget} received frames to
     * the stack, in arrival order.
     */
    List<byte[]> poll(int budget);

    /**
     * A frame arrives from the wire: the device writes it into the next posted RX buffer and
     * marks the descriptor done.
     *
     * @return false when no RX buffer was posted (the device drops it, {@code rx_missed})
     */
    boolean receive(byte[] frame);

    /** Frames the device sent on the wire, oldest first. */
    List<byte[]> wire();

    NicStats stats();

    /**
     * The device's fatal error status: a bus error on a descriptor fetch or write-back halts both
     * engines, as a NIC's fatal-bus-error interrupt does; empty while the device runs.
     */
    java.util.Optional<String> hardwareError();

    /** The driver's remove: frees the rings and every buffer, unmapping them first. */
    void remove();

    /** Counters as {@code ethtool -S} would show them. */
    record NicStats(long txPackets, long txDropped, long txErrors, long rxPackets, long rxMissed, long rxErrors) {
    }
}
