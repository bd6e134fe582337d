package org.dmasim.api.backend;

import java.util.function.Consumer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Something that records what backend instances served (dma.core's mappings and coherent
 * buffers, a dma_pool service's pools) and can revoke it when an instance is forced out.
 */
@ConsumerType
public interface Revoker {
    /**
     * Revokes every holding of {@code instance}: makes its data safe first (swiotlb copies bounce
     * buffers of mappings the device may have written back to the original memory), marks each
     * holding revoked so that later use is refused, and reports the holders.
     *
     * @param report takes each line to log, in the kernel's format where the kernel has one
     */
    void revoke(BackendInstance instance, Consumer<String> report);
}
