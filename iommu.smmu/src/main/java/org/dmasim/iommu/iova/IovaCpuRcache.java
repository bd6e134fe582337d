package org.dmasim.iommu.iova;

import org.dmasim.api.platform.SpinLock;

/**
 * {@code struct iova_cpu_rcache}: one CPU's {@code loaded} and {@code prev} magazines of one bin,
 * under that CPU's lock (the {@link SpinLock} word). Two CPUs allocating from their own caches
 * write no common host cache line: 128 bytes of padding precede the lock word (from
 * {@link SpinLock}) and follow the two magazine references (here, after the references the
 * superclass holds), and the magazines carry their own padding ({@link IovaMagazine}).
 */
final class IovaCpuRcache extends IovaCpuRcacheWords {
    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16;

    IovaCpuRcache() {
        loaded = IovaMagazine.alloc();
        prev = IovaMagazine.alloc();
    }

    void swap() {
        long[] t = loaded;
        loaded = prev;
        prev = t;
    }
}

/** The kernel's fields of {@link IovaCpuRcache}, laid out after the lock word. */
abstract class IovaCpuRcacheWords extends SpinLock {
    long[] loaded;
    long[] prev;
}
