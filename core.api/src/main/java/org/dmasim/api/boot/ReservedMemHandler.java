package org.dmasim.api.boot;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A {@code RESERVEDMEM_OF_DECLARE} handler: claims /reserved-memory nodes of one
 * {@code compatible}. Handlers of the same compatible are tried by ascending {@link #rank()}
 * (the kernel's link order) until one returns 0.
 */
@ConsumerType
public interface ReservedMemHandler {
    String compatible();

    int rank();

    /** Returns 0 when the region is claimed, else a negative errno (the next handler is tried). */
    int init(ReservedMem rmem, BootContext context);
}
