package org.dmasim.devices.api;

import org.dmasim.api.dma.SgTable;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A probed scatter-gather block device: its driver's request path.
 *
 * <p>{@link #transfer} is a request's life in a Linux block driver: {@code dma_map_sg} of the
 * request's scatter-gather list, one descriptor per DMA segment, submit, wait for the completion
 * interrupt, {@code dma_unmap_sg}.
 */
@ProviderType
public interface BlockDriver {
    String name();

    BlockHw hw();

    /**
     * Moves the bytes of {@code sg} to ({@code write}) or from the medium at {@code sector}.
     *
     * @return 0, -EIO when the device reported an error (refused descriptors, a bus or media
     *     error), -ENOMEM when the list could not be mapped, -ETIMEDOUT when the device did not
     *     complete within a second (the driver aborts it), -ERESTARTSYS when the waiting thread was
     *     interrupted (aborted too), -EINVAL for a request longer than the
     *     device takes or not whole sectors
     */
    int transfer(boolean write, long sector, SgTable sg);

    /** The driver's remove. */
    void remove();
}
