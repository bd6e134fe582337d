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
     * {@code __iova_rcache_get} under {@code c}'s lock, when the top of the loaded magazine did
     * not do ({@link IovaCpuRcache#popTop}): a cached pfn not above {@code bound} from the loaded
     * magazine, refilled from prev or the depot first when empty; 0 on a miss.
     */
    long getLocked(IovaCpuRcache c, long bound) {
        if (c.loadedSize == 0) {
            if (!IovaMagazine.isEmpty(c.prev)) {
                c.swap();
            } else if (!takeFromDepot(c)) {
                return 0;
            }
        }
        c.park();
        long pfn = IovaMagazine.pop(c.loaded, bound);
        c.load(c.loaded);
        return pfn;
    }

    /** The depot's last magazine replaces the (empty) loaded one; false if the depot is empty. */
    private boolean takeFromDepot(IovaCpuRcache c) {
        lock();
        try {
            if (depotSize == 0) {
                return false;
            }
            c.load(depot[--depotSize]);
            depot[depotSize] = null;
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * {@code __iova_rcache_insert} under {@code c}'s lock, when the loaded magazine is full:
     * swaps it with prev, or (both full) moves it to the depot and loads a fresh one, then pushes
     * {@code pfn}. Returns the magazine the depot had no room for, whose pfns the caller returns
     * to the tree once the CPU's lock is dropped; else null.
     */
    long[] insertLocked(IovaCpuRcache c, long pfn) {
        long[] overflow = null;
        if (!IovaMagazine.isFull(c.prev)) {
            c.swap();
        } else {
            overflow = depositLoaded(c);
        }
        c.tryPush(pfn);
        return overflow;
    }

    /**
     * Under {@code c}'s lock: its full loaded magazine goes to the depot (or, when the depot holds
     * 32, is returned for the tree) and a fresh one is loaded.
     */
    private long[] depositLoaded(IovaCpuRcache c) {
        long[] fresh = IovaMagazine.alloc();
        long[] overflow = null;
        c.park();
        lock();
        if (depotSize < MAX_GLOBAL_MAGS) {
            depot[depotSize++] = c.loaded;
        } else {
            overflow = c.loaded;
        }
        unlock();
        c.load(fresh);
        return overflow;
    }

    /** {@code free_cpu_cached_iovas} for this bin: both of {@code cpu}'s magazines to the tree. */
    void flushCpu(int cpu, IovaTree tree) {
        IovaCpuRcache c = cpuRcaches[cpu];
        c.lock();
        try {
            c.park();
            tree.freeMagazine(c.loaded);
            tree.freeMagazine(c.prev);
            c.load(c.loaded);
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
            c.loadedSize = 0;
            c.unlock();
        }
    }
}
