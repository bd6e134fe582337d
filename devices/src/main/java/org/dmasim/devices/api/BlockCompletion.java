package org.dmasim.devices.api;

import org.osgi.annotation.versioning.ProviderType;

/** One submitted block request and its completion status, as the device's interrupt reports it. */
@ProviderType
public interface BlockCompletion {
    /** Where the request stands. */
    enum Status {
        PENDING, OK, REFUSED, BUS_ERROR, MEDIA_ERROR, ABORTED
    }

    Status status();

    /** Bytes the device moved before it completed (all of them for OK). */
    long bytesDone();

    /** The device's reason for a status other than OK, else empty. */
    String error();

    /**
     * Waits until the request completes, at most {@code timeoutMillis}.
     *
     * @return true when it completed
     * @throws InterruptedException when the waiting thread is interrupted (a signal)
     */
    boolean await(long timeoutMillis) throws InterruptedException;
}
