package org.dmasim.api.backend;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One run-time instance of a backend on one platform (a swiotlb bounce pool, the atomic pools,
 * the CMA allocator, a dma_pool service, an IOMMU's DMA ops). Whatever holds something of it (a
 * streaming mapping bounced through it, a coherent buffer it served, a pool it made) counts as
 * one holding from {@link #tryHold} until {@link #unhold}.
 *
 * <p>Consumers that record what an instance served call {@link #tryHold} before they hand the
 * work to it: false means the instance is no longer {@link BackendState#ACTIVE} and the work
 * must go to the platform's current instance (or, without one, be done as the kernel does
 * without that backend).
 */
@ProviderType
public interface BackendInstance {
    /** The backend, as its {@code dmasim.backend} property names it: swiotlb, cma, atomicpool, dmapool, ... */
    String kind();

    /** Unique among the platform's instances: the kind and a sequence number, {@code swiotlb#2}. */
    String id();

    /** What the instance is, in the kernel's words ({@code [mem 0x...-0x...] (64MB)}, pool sizes, ...). */
    String description();

    BackendState state();

    /** Mappings, buffers or pools it holds now. */
    long held();

    /** Whether it was forced out with holdings still live (they were revoked). */
    boolean forcedOut();

    /** Takes one holding; false (and nothing changes) unless the instance is ACTIVE. */
    boolean tryHold();

    /**
     * Gives one holding back. The last one of a DRAINING instance releases it; after a force-out
     * (the holding was revoked) it changes nothing.
     */
    void unhold();

    /**
     * The instance this one is part of (an IOMMU domain's IOMMU), or empty. A holding of this
     * instance also holds the parent: the parent counts its children's holdings among its own
     * ({@link #held}), none of them takes new work once the parent is not ACTIVE, and the parent
     * is released only when they are all given back.
     *
     * @since 1.1
     */
    default Optional<BackendInstance> parent() {
        return Optional.empty();
    }
}
