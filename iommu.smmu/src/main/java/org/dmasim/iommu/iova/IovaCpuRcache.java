package org.dmasim.iommu.iova;

import org.dmasim.api.platform.SpinLock;

/**
 * {@code struct iova_cpu_rcache}: one CPU's {@code loaded} and {@code prev} magazines of one bin,
 * under that CPU's lock (the {@link SpinLock} word); the loaded magazine's size lives here while it
 * is loaded. Two CPUs allocating from their own caches write no common host cache line: 128 bytes of padding precede the lock word (from
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

    /** The loaded magazine's size written into it: the array describes itself again. */
    void park() {
        IovaMagazine.setSize(loaded, loadedSize);
    }

    /** {@code mag} becomes the loaded magazine, its size read out of it. */
    void load(long[] mag) {
        loaded = mag;
        loadedSize = IovaMagazine.size(mag);
    }

    void swap() {
        park();
        long[] t = loaded;
        load(prev);
        prev = t;
    }

    /**
     * The fast half of {@code iova_magazine_pop} on the loaded magazine: its top pfn when it is
     * not empty and the top is not above {@code bound} (unsigned), else 0 and nothing changes.
     */
    long popTop(long bound) {
        int n = loadedSize;
        if (n > 0) {
            long pfn = IovaMagazine.pfn(loaded, n - 1);
            if (Long.compareUnsigned(pfn, bound) <= 0) {
                loadedSize = n - 1;
                return pfn;
            }
        }
        return 0;
    }

    /** {@code iova_magazine_push} on the loaded magazine unless it is full; whether it was pushed. */
    boolean tryPush(long pfn) {
        int n = loadedSize;
        if (n == IovaMagazine.MAG_SIZE) {
            return false;
        }
        IovaMagazine.setPfn(loaded, n, pfn);
        loadedSize = n + 1;
        return true;
    }

    /** Pfns cached in both magazines. */
    int cachedPfns() {
        return loadedSize + IovaMagazine.size(prev);
    }
}

/**
 * The kernel's fields of {@link IovaCpuRcache}, laid out after the lock word, and the loaded
 * magazine's size: kept here, beside the lock word, while the magazine is loaded (its own size
 * word is stale until {@link IovaCpuRcache#park}), so that a pop or push under the lock reads the
 * line it just locked and the magazine's one slot, not the magazine's size word first.
 */
abstract class IovaCpuRcacheWords extends SpinLock {
    int loadedSize;
    long[] loaded;
    long[] prev;
}
