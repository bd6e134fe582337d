package org.dmasim.iommu.iova;

import org.dmasim.api.platform.SpinLock;

/**
 * {@code struct iova_rcache}: one bin (ranges of 2^order granules) — the depot of up to
 * {@code MAX_GLOBAL_MAGS} (32) full magazines under the bin's lock (this object's lock word),
 * and every CPU's {@link IovaCpuRcache}. Lock order, as in the kernel: a CPU's cache lock, then
 * the bin's lock, then the tree's; a magazine leaving for the tree is returned after the CPU lock
 * is dropped.
 */
final class IovaRcache extends SpinLock {
    /** {@code MAX_GLOBAL_MAGS}. */
    static final int MAX_GLOBAL_MAGS = 32;

    private final IovaCpuRcache[] cpuRcaches;
    private final long[][] depot = new long[MAX_GLOBAL_MAGS][];
    private int depotSize;

    IovaRcache(int cpus) {
        cpuRcaches = new IovaCpuRcache[cpus];
        for (int cpu = 0; cpu < cpus; cpu++) {
            cpuRcaches[cpu] = new IovaCpuRcache();
        }
    }

    /**
     * {@code __iova_rcache_get}: a cached pfn not above {@code bound} from {@code cpu}'s loaded
     * magazine (refilled from prev or the depot first when empty); 0 on a miss.
     */
    long get(int cpu, long bound) {
        IovaCpuRcache c = cpuRcaches[cpu];
        c.lock();
        try {
            if (IovaMagazine.isEmpty(c.loaded)) {
                if (!IovaMagazine.isEmpty(c.prev)) {
                    c.swap();
                } else if (!takeFromDepot(c)) {
                    return 0;
                }
            }
            return IovaMagazine.pop(c.loaded, bound);
        } finally {
            c.unlock();
        }
    }

    /** The depot's last magazine replaces the (empty) loaded one; false if the depot is empty. */
    private boolean takeFromDepot(IovaCpuRcache c) {
        lock();
        try {
            if (depotSize == 0) {
                return false;
            }
            c.loaded = depot[--depotSize];
            depot[depotSize] = null;
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * {@code __iova_rcache_insert}: {@code pfn} pushed on {@code cpu}'s loaded magazine (after a
     * swap with prev, or a fresh magazine when both are full, the full one going to the depot).
     * Returns the magazine the depot had no room for, whose pfns the caller returns to the tree
     * once this CPU's lock is dropped; else null.
     */
    long[] insert(int cpu, long pfn) {
        IovaCpuRcache c = cpuRcaches[cpu];
        long[] overflow = null;
        c.lock();
        try {
            if (IovaMagazine.isFull(c.loaded)) {
                if (!IovaMagazine.isFull(c.prev)) {
                    c.swap();
                } else {
                    long[] fresh = IovaMagazine.alloc();
                    lock();
                    if (depotSize < MAX_GLOBAL_MAGS) {
                        depot[depotSize++] = c.loaded;
                    } else {
                        overflow = c.loaded;
                    }
                    unlock();
                    c.loaded = fresh;
                }
            }
            IovaMagazine.push(c.loaded, pfn);
        } finally {
            c.unlock();
        }
        return overflow;
    }

    /** {@code free_cpu_cached_iovas} for this bin: both of {@code cpu}'s magazines to the tree. */
    void flushCpu(int cpu, IovaTree tree) {
        IovaCpuRcache c = cpuRcaches[cpu];
        c.lock();
        try {
            tree.freeMagazine(c.loaded);
            tree.freeMagazine(c.prev);
        } finally {
            c.unlock();
        }
    }

    /** {@code free_global_cached_iovas} for this bin: every depot magazine to the tree. */
    void flushDepot(IovaTree tree) {
        lock();
        try {
            for (int i = 0; i < depotSize; i++) {
                tree.freeMagazine(depot[i]);
                depot[i] = null;
            }
            depotSize = 0;
        } finally {
            unlock();
        }
    }

    int cpus() {
        return cpuRcaches.length;
    }

    IovaCpuRcache cpu(int cpu) {
        return cpuRcaches[cpu];
    }

    /** Under this bin's lock: the depot's magazines (a copy of the array part in use). */
    long[][] depotMagazines() {
        long[][] out = new long[depotSize][];
        System.arraycopy(depot, 0, out, 0, depotSize);
        return out;
    }

    /** Drops every magazine without touching the tree ({@code free_iova_rcaches}). */
    void dropAll() {
        lock();
        try {
            for (int i = 0; i < depotSize; i++) {
                depot[i] = null;
            }
            depotSize = 0;
        } finally {
            unlock();
        }
        for (IovaCpuRcache c : cpuRcaches) {
            c.lock();
            IovaMagazine.clear(c.loaded);
            IovaMagazine.clear(c.prev);
            c.unlock();
        }
    }
}
