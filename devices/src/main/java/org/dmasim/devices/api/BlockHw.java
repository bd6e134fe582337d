package org.dmasim.devices.api;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The hardware of a scatter-gather block device: a medium of 512-byte sectors behind a DMA engine
 * that follows a descriptor list. Drivers (the shipped {@link BlockDriver}, the user-space DMA
 * sample) submit requests and wait for their completion.
 *
 * <p>The engine checks the whole descriptor list before it moves a byte (length a whole number of
 * sectors, at most {@link #maxTransferBytes}, each descriptor within the segment limits) and
 * refuses a bad request with nothing transferred. A request then runs descriptor by descriptor;
 * a media error or a bus error stops it, and its completion says how many bytes were done.
 *
 * <p>Timing: a request completes when it is submitted, unless the device is stalled
 * ({@link #stall}); a stalled device keeps requests queued until it is resumed or they are
 * aborted, so that drivers' timeouts and interruptions can be exercised deterministically.
 */
@ProviderType
public interface BlockHw {
    int SECTOR_SIZE = 512;

    BusMaster bus();

    long capacitySectors();

    long maxTransferBytes();

    /**
     * Starts a request: {@code write} moves memory to the medium from {@code sector} on, else the
     * medium to memory.
     */
    BlockCompletion submit(boolean write, long sector, List<DmaDescriptor> descriptors);

    /**
     * Stops the engine on a request that has not completed (a driver's reset after a timeout or a
     * signal): it completes as ABORTED; nothing more of it is transferred.
     */
    void abort(BlockCompletion request);

    /** Stall (true) or resume (false) the engine; resuming runs the queued requests in order. */
    void stall(boolean stalled);

    /** Makes {@code sector} unreadable and unwritable (a bad block); -1 heals the medium. */
    void injectMediaError(long sector);

    /** The medium's bytes, for inspection (never written sectors read as zeros). */
    byte[] readMedium(long sector, int len);

    /** Writes the medium directly (preparing data a read request will fetch). */
    void writeMedium(long sector, byte[] data);

    /** Requests completed, and the bytes they moved. */
    long requestsCompleted();
}
