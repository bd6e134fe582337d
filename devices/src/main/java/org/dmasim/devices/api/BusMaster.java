package org.dmasim.devices.api;

import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A device's DMA engine on the bus: reads and writes of memory at bus addresses.
 *
 * <p>Every access is cut into bursts that never cross a 4 KiB bus address boundary (the PCIe
 * rule for memory requests); each burst's address is driven on the device's
 * {@link BusLimits#addressBits} lines only, then translated by the platform's DMA API, then
 * served by memory through the device's port (snooping the CPU cache for a coherent device,
 * RAM only for a non-coherent one).
 *
 * <p>Address width: a device with {@code n} address lines has no wire for the bits above
 * {@code n - 1}, and its descriptor address registers keep only {@code n} bits. A bus address
 * beyond its reach (a driver that set a wider DMA mask than the hardware has) is therefore
 * <em>truncated</em>, as on hardware: the access goes to the address modulo {@code 2^n}. Where
 * RAM answers there, the device silently reads or overwrites the wrong memory (the classic
 * symptom of a wrong mask: corruption far from the buffer); where nothing answers, the access
 * ends in a bus error ({@link DeviceError.Kind#BUS_ERROR}). {@link Stats#truncatedAccesses} counts
 * such accesses for the simulation's user; the device itself cannot tell.
 */
@ProviderType
public interface BusMaster {
    DmaDevice device();

    BusLimits limits();

    /**
     * Reads {@code len} bytes at {@code dmaHandle} into {@code dst}.
     *
     * @throws DeviceError BUS_ERROR when no memory answers a burst (bursts before it were done)
     */
    void read(DmaAddr dmaHandle, byte[] dst, int off, int len);

    /** Writes {@code len} bytes of {@code src} at {@code dmaHandle}. @throws DeviceError as {@link #read} */
    void write(DmaAddr dmaHandle, byte[] src, int off, int len);

    default byte[] read(DmaAddr dmaHandle, int len) {
        byte[] b = new byte[len];
        read(dmaHandle, b, 0, len);
        return b;
    }

    default void write(DmaAddr dmaHandle, byte[] src) {
        write(dmaHandle, src, 0, src.length);
    }

    /**
     * The engine's check of one descriptor before it starts a transfer.
     *
     * @throws DeviceError SEGMENT_TOO_LONG or SEGMENT_CROSSES_BOUNDARY, naming the descriptor and the limit
     */
    void checkDescriptor(DmaDescriptor d);

    Stats stats();

    /** Counters of the engine's bus activity. */
    record Stats(long bytesRead, long bytesWritten, long busErrors, long truncatedAccesses,
        long refusedDescriptors) {
    }
}
