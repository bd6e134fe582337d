package org.dmasim.api.swiotlb;

import org.osgi.annotation.versioning.ProviderType;

/** The default swiotlb bounce pool ({@code io_tlb_default_mem}). */
@ProviderType
public interface SwiotlbPool {
    /** IO_TLB_SHIFT: 2 KiB slots. */
    int IO_TLB_SHIFT = 11;
    /** IO_TLB_SEGSIZE: slots per segment. */
    int IO_TLB_SEGSIZE = 128;

    /** Physical start; meaningless when {@link #nslabs()} is 0. */
    long start();

    /** Exclusive physical end. */
    long end();

    /** Slots in the pool; 0 when no pool was allocated. */
    long nslabs();

    /** {@code swiotlb=force}: every mapping bounces. */
    boolean forceBounce();
}
