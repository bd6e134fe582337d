package org.dmasim.iommu.iova;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Linux 6.1.y IOVA domain ({@code struct iova_domain} with its rcaches, {@code
 * drivers/iommu/iova.c}): the I/O virtual address space of one IOMMU domain, in granules.
 *
 * <pre>
 *  per bin (1,2,4,8,16,32 granules)          rbtree of ranges, sorted by pfn_lo
 *  CPU0 [loaded|prev] CPU1 [loaded|prev] ..   ... [lo..hi] [lo..hi] ... [~0 anchor]
 *  depot: up to 32 full magazines of 127          ^ cached32_node (limits &lt;= 4 GiB)
 *  (a cached pfn stays a range of the tree)                    ^ cached_node (above 4 GiB)
 * </pre>
 *
 * <p><b>Tree allocation</b> ({@code alloc_iova}) is top-down next-fit. A search for {@code size}
 * granules below an exclusive limit starts at the cached node of its class (limit at or below
 * {@code dma_32bit_pfn} = 4 GiB: {@code cached32_node}, else {@code cached_node}) and walks down:
 * the candidate is {@code (min(limit, node.pfn_lo) - size)} rounded down to
 * roundup_pow_of_two(size) when size-aligned, until it no longer overlaps the node below. If it
 * falls under {@code start_pfn}, one retry searches the window between the old cached node and
 * the limit (6.1.y floor: the cached node's pfn_hi + 1). A failure records {@code
 * max32_alloc_size = size}; later searches below 4 GiB of that size or more fail at once until a
 * range below 4 GiB leaves the tree. A new range becomes the cached node of its class (pfn_hi
 * below 4 GiB or not); removing a range moves each cached node to the removed node's successor
 * when it was that node or lay below it (below 4 GiB for cached32). Holes above the cached node
 * are therefore not reused until the space below runs out or a free moves the pointer up.
 *
 * <p><b>Range caches</b> ({@code alloc_iova_fast}/{@code free_iova_fast}) sit in front: sizes
 * under 32 granules are rounded up to a power of two; a size of order below 6 is looked up in
 * the current CPU's bin of that order, popping from the top of {@code loaded} the first pfn whose
 * range ends at or below the limit. A free pushes on {@code loaded} (swapping with {@code prev}
 * when full; when both are full the loaded magazine goes to the bin's depot, or back to the tree
 * when the depot holds 32). A tree failure in the flushing variant returns every CPU's magazines
 * and the depots to the tree and retries once. A cached range stays in the tree: caching moves
 * no cached node and resets no {@code max32_alloc_size}.
 *
 * <p><b>Data layout here vs the kernel.</b> The rbtree is a {@link java.util.TreeMap} keyed by
 * unsigned pfn_lo holding node objects, so the cached pointers are node references as in the
 * kernel and rb_prev/rb_next are lower/higher look-ups ({@link IovaTree}). pfns are unsigned
 * longs with the kernel's wrap-around. A magazine is a padded {@code long[]} (size word + 127
 * pfns; a loaded magazine's size is kept beside its CPU's lock word while it is loaded); per-CPU
 * caches and locks are {@link org.dmasim.api.platform.SpinLock} words padded apart so that CPUs
 * hitting their own caches share no host cache line; the fast path finds a CPU's cache of a bin
 * in one flat array. Locks as the kernel's: tree lock, per-CPU cache lock per bin, depot lock per
 * bin. A CPU is the caller's simulated CPU number; all online CPUs of the kernel are
 * {@code 0..cpus-1} here.
 *
 * <p><b>Checks the kernel does not make.</b> Bad arguments (size 0, a limit under start_pfn, a
 * CPU out of range, a pfn outside the domain) are refused with {@link IllegalArgumentException}
 * before any state changes, and a domain is unusable after {@link #destroy}. Like the kernel, a
 * free into the rcache trusts that the pfn is a live range of that size; {@link
 * #checkConsistency} finds it when it is not.
 */
public final class IovaDomain {
    /** {@code IOVA_RANGE_CACHE_MAX_SIZE}: bins for 2^0 .. 2^5 granules. */
    public static final int RANGE_CACHE_MAX_SIZE = 6;
    /** {@code alloc_iova_fast} rounds sizes below this up to a power of two. */
    public static final long ROUNDING_LIMIT = 1L << (RANGE_CACHE_MAX_SIZE - 1);
    /** The largest granule: the simulated kernel's PAGE_SIZE. */
    public static final long PAGE_SIZE = 4096;

    private final long granule;
    private final int shift;
    private final int cpus;
    private final IovaTree tree;
    /** The tree's start_pfn and top pfn, copied here: the fast path reads no line the tree lock writes. */
    private final long startPfn;
    private final long maxPfn;
    private final IovaRcache[] rcaches;
    /**
     * Every bin's per-CPU caches by {@code cpu * RANGE_CACHE_MAX_SIZE + order}: the fast path
     * reaches the lock it takes in two loads (this array, its element) instead of four (bins,
     * bin, the bin's CPU array, its element); a load chain ahead of the lock's compare-and-set is
     * time the CPU cannot overlap.
     */
    private final IovaCpuRcache[] cpuRcaches;
    /** Set once by {@link #destroy}; a plain read on the fast path (a call racing destroy is a bug). */
    private boolean destroyed;

    /**
     * {@code init_iova_domain(granule, start_pfn)} + {@code iova_domain_init_rcaches} for
     * {@code cpus} CPUs.
     */
    public IovaDomain(long granule, long startPfn, int cpus) {
        if (granule <= 0 || (granule & (granule - 1)) != 0 || granule > PAGE_SIZE) {
            throw new IllegalArgumentException("init_iova_domain: granule " + granule
                + " must be a power of two no larger than PAGE_SIZE (" + PAGE_SIZE + ")");
        }
        if (startPfn < 1) {
            throw new IllegalArgumentException("init_iova_domain: start pfn " + startPfn
                + " must be at least 1 (pfn 0 is the failure value of alloc_iova_fast)");
        }
        if (cpus < 1) {
            throw new IllegalArgumentException("iova_domain_init_rcaches: " + cpus + " CPUs; at least 1");
        }
        this.granule = granule;
        this.shift = Long.numberOfTrailingZeros(granule);
        this.cpus = cpus;
        this.tree = new IovaTree(shift, startPfn);
        this.startPfn = startPfn;
        this.maxPfn = tree.maxPfn();
        if (Long.compareUnsigned(startPfn, tree.maxPfn()) >= 0) {
            throw new IllegalArgumentException("init_iova_domain: start pfn 0x" + Long.toHexString(startPfn)
                + " leaves no IOVA below the top pfn 0x" + Long.toHexString(tree.maxPfn()));
        }
        this.rcaches = new IovaRcache[RANGE_CACHE_MAX_SIZE];
        for (int i = 0; i < RANGE_CACHE_MAX_SIZE; i++) {
            rcaches[i] = new IovaRcache(cpus);
        }
        this.cpuRcaches = new IovaCpuRcache[cpus * RANGE_CACHE_MAX_SIZE];
        for (int cpu = 0; cpu < cpus; cpu++) {
            for (int order = 0; order < RANGE_CACHE_MAX_SIZE; order++) {
                cpuRcaches[cpu * RANGE_CACHE_MAX_SIZE + order] = rcaches[order].cpu(cpu);
            }
        }
    }

    public long granule() {
        return granule;
    }

    public int shift() {
        return shift;
    }

    public long startPfn() {
        return tree.startPfn;
    }

    /** {@code dma_32bit_pfn}: the exclusive 4 GiB limit in granules. */
    public long dma32BitPfn() {
        return tree.dma32BitPfn;
    }

    /** CPUs with a cache of their own. */
    public int cpus() {
        return cpus;
    }

    // ---- the fast path ---------------------------------------------------------------------

    /**
     * {@code alloc_iova_fast}: {@code size} granules at or below {@code limitPfn} (inclusive),
     * from {@code cpu}'s rcache or the tree (size-aligned); when the tree fails and
     * {@code flushRcache} is set, every cache goes back to the tree and the tree is tried once
     * more. The range's pfn_lo, or 0 on failure.
     */
    public long allocFast(int cpu, long size, long limitPfn, boolean flushRcache) {
        // One test for every argument on the fast path; the slow path names what is wrong.
        if (destroyed | size < 1 | cpu < 0 | cpu >= cpus | Long.compareUnsigned(limitPfn, startPfn) < 0
            | Long.compareUnsigned(limitPfn, maxPfn) > 0 | limitPfn == IovaTree.ANCHOR_PFN) {
            checkAllocFast(cpu, size, limitPfn);
        }
        if (size < ROUNDING_LIMIT) {
            size = roundUpPowerOfTwo(size);
        }
        int order = orderBase2(size);
        if (order < RANGE_CACHE_MAX_SIZE) {
            // The whole range must fit under the limit (the kernel's bound wraps when it cannot).
            long bound = limitPfn + 1 - size;
            IovaCpuRcache c = cpuRcaches[cpu * RANGE_CACHE_MAX_SIZE + order];
            c.lock();
            long pfn = c.popTop(bound);
            if (pfn == 0) {
                pfn = rcaches[order].getLocked(c, bound);
            }
            c.unlock();
            if (pfn != 0) {
                return pfn;
            }
        }
        return allocFromTree(size, limitPfn, flushRcache);
    }

    /** {@link #allocFast}'s refusal of a bad argument (out of the fast path, which stays small). */
    private void checkAllocFast(int cpu, long size, long limitPfn) {
        checkCall("alloc_iova_fast", size, limitPfn);
        checkCpu("alloc_iova_fast", cpu);
    }

    /** {@link #allocFast} past the rcache: the tree, flushed and tried again on request. */
    private long allocFromTree(long size, long limitPfn, boolean flushRcache) {
        long pfn = tree.alloc(size, limitPfn + 1, true);
        if (pfn == 0 && flushRcache) {
            flushRcaches();
            pfn = tree.alloc(size, limitPfn + 1, true);
        }
        return pfn;
    }

    /**
     * {@code free_iova_fast}: the range at {@code pfn}, allocated for {@code size} granules (the
     * size before rounding, as the kernel's callers pass it), into {@code cpu}'s cache of that
     * order, or back to the tree when the order is 6 or more. A tree free of a pfn no range holds
     * is refused (the kernel ignores it silently).
     */
    public void freeFast(int cpu, long pfn, long size) {
        if (destroyed | size < 1 | cpu < 0 | cpu >= cpus | Long.compareUnsigned(pfn, startPfn) < 0
            | Long.compareUnsigned(pfn, maxPfn) > 0) {
            checkFreeFast(cpu, pfn, size);
        }
        int order = orderBase2(size);
        if (order >= RANGE_CACHE_MAX_SIZE) {
            freeToTree(pfn);
            return;
        }
        IovaCpuRcache c = cpuRcaches[cpu * RANGE_CACHE_MAX_SIZE + order];
        c.lock();
        long[] overflow = null;
        if (!c.tryPush(pfn)) {
            overflow = rcaches[order].insertLocked(c, pfn);
        }
        c.unlock();
        if (overflow != null) {
            tree.freeMagazine(overflow);
        }
    }

    /** {@link #freeFast}'s refusal of a bad argument. */
    private void checkFreeFast(int cpu, long pfn, long size) {
        checkAlive();
        checkSize("free_iova_fast", size);
        checkCpu("free_iova_fast", cpu);
        checkPfn("free_iova_fast", pfn);
    }

    /** {@link #freeFast} of a range too large for the rcache: back to the tree. */
    private void freeToTree(long pfn) {
        if (!tree.free(pfn)) {
            throw new IllegalArgumentException(noRange("free_iova_fast", pfn));
        }
    }

    // ---- the tree --------------------------------------------------------------------------

    /**
     * {@code alloc_iova}: {@code size} granules at or below {@code limitPfn} (inclusive) from
     * the tree only, size-aligned on request; the range's pfn_lo, or 0 on failure.
     */
    public long alloc(long size, long limitPfn, boolean sizeAligned) {
        checkCall("alloc_iova", size, limitPfn);
        return tree.alloc(size, limitPfn + 1, sizeAligned);
    }

    /** {@code free_iova}: the range holding {@code pfn} leaves the tree; false if none does. */
    public boolean free(long pfn) {
        checkAlive();
        return tree.free(pfn);
    }

    /**
     * {@code reserve_iova}: [pfnLo, pfnHi] can never be allocated; overlapping ranges are grown
     * or extended as the kernel does. False, changing nothing, for pfns beyond the domain's
     * address space (the kernel's WARN_ON).
     */
    public boolean reserve(long pfnLo, long pfnHi) {
        checkAlive();
        if (Long.compareUnsigned(pfnLo, pfnHi) > 0) {
            throw new IllegalArgumentException("reserve_iova: pfn_lo 0x" + Long.toHexString(pfnLo)
                + " is above pfn_hi 0x" + Long.toHexString(pfnHi));
        }
        return tree.reserve(pfnLo, pfnHi);
    }

    /** {@code find_iova}: the range holding {@code pfn}. */
    public Optional<IovaRange> find(long pfn) {
        checkAlive();
        tree.lock();
        try {
            Iova iova = tree.find(pfn);
            return iova == null ? Optional.empty() : Optional.of(iova.range());
        } finally {
            tree.unlock();
        }
    }

    // ---- flushes and teardown --------------------------------------------------------------

    /** {@code free_cpu_cached_iovas}: {@code cpu}'s magazines of every bin back to the tree. */
    public void flushCpu(int cpu) {
        checkAlive();
        checkCpu("free_cpu_cached_iovas", cpu);
        for (IovaRcache rcache : rcaches) {
            rcache.flushCpu(cpu, tree);
        }
    }

    /** Every CPU's magazines, then every depot, back to the tree (the retry path's flush). */
    public void flushRcaches() {
        checkAlive();
        for (int cpu = 0; cpu < cpus; cpu++) {
            for (IovaRcache rcache : rcaches) {
                rcache.flushCpu(cpu, tree);
            }
        }
        for (IovaRcache rcache : rcaches) {
            rcache.flushDepot(tree);
        }
    }

    /** {@code put_iova_domain}: caches and ranges dropped; every later call is refused. */
    public void destroy() {
        checkAlive();
        destroyed = true;
        for (IovaRcache rcache : rcaches) {
            rcache.dropAll();
        }
        tree.lock();
        try {
            tree.clear();
        } finally {
            tree.unlock();
        }
    }

    // ---- views ------------------------------------------------------------------------------

    /** The tree's ranges in pfn order, the anchor left out (cached ranges included). */
    public List<IovaRange> ranges() {
        checkAlive();
        tree.lock();
        try {
            return tree.ranges();
        } finally {
            tree.unlock();
        }
    }

    /** {@code max32_alloc_size}: searches below 4 GiB of this many granules or more fail at once. */
    public long max32AllocSize() {
        checkAlive();
        tree.lock();
        try {
            return tree.max32AllocSize();
        } finally {
            tree.unlock();
        }
    }

    /** What the caches hold, per bin and CPU. */
    public RcacheStats rcacheStats() {
        checkAlive();
        List<RcacheStats.Bin> bins = new ArrayList<>(RANGE_CACHE_MAX_SIZE);
        for (int order = 0; order < RANGE_CACHE_MAX_SIZE; order++) {
            IovaRcache rcache = rcaches[order];
            List<Integer> perCpu = new ArrayList<>(cpus);
            for (int cpu = 0; cpu < cpus; cpu++) {
                IovaCpuRcache c = rcache.cpu(cpu);
                c.lock();
                perCpu.add(c.cachedPfns());
                c.unlock();
            }
            rcache.lock();
            long[][] depot = rcache.depotMagazines();
            rcache.unlock();
            int depotPfns = 0;
            for (long[] mag : depot) {
                depotPfns += IovaMagazine.size(mag);
            }
            bins.add(new RcacheStats.Bin(order, perCpu, depotPfns, depot.length));
        }
        return new RcacheStats(bins);
    }

    /**
     * Checks, with every lock held: the tree is sorted and non-overlapping with the anchor
     * last, both cached nodes are tree nodes, max32_alloc_size is sane, no magazine is over
     * 127 pfns, and every cached pfn is the start of a tree range of its bin's order, cached
     * once. Throws {@link IllegalStateException} naming the first broken rule.
     */
    public void checkConsistency() {
        checkAlive();
        for (IovaRcache rcache : rcaches) {
            for (int cpu = 0; cpu < cpus; cpu++) {
                rcache.cpu(cpu).lock();
            }
        }
        for (IovaRcache rcache : rcaches) {
            rcache.lock();
        }
        tree.lock();
        try {
            tree.check();
            Map<Long, String> seen = new HashMap<>();
            for (int order = 0; order < RANGE_CACHE_MAX_SIZE; order++) {
                IovaRcache rcache = rcaches[order];
                for (int cpu = 0; cpu < cpus; cpu++) {
                    IovaCpuRcache c = rcache.cpu(cpu);
                    c.park(); // under its lock: the loaded magazine's size word is current
                    checkMagazine(c.loaded, order, "CPU " + cpu + " loaded", seen);
                    checkMagazine(c.prev, order, "CPU " + cpu + " prev", seen);
                }
                long[][] depot = rcache.depotMagazines();
                for (int i = 0; i < depot.length; i++) {
                    checkMagazine(depot[i], order, "depot magazine " + i, seen);
                }
            }
        } finally {
            tree.unlock();
            for (IovaRcache rcache : rcaches) {
                rcache.unlock();
            }
            for (IovaRcache rcache : rcaches) {
                for (int cpu = 0; cpu < cpus; cpu++) {
                    rcache.cpu(cpu).unlock();
                }
            }
        }
    }

    private void checkMagazine(long[] mag, int order, String where, Map<Long, String> seen) {
        int n = IovaMagazine.size(mag);
        String bin = "bin " + order + " " + where;
        if (n < 0 || n > IovaMagazine.MAG_SIZE) {
            throw IovaTree.broken(bin + " holds " + n + " pfns (at most " + IovaMagazine.MAG_SIZE + ")");
        }
        for (int i = 0; i < n; i++) {
            long pfn = IovaMagazine.pfn(mag, i);
            String other = seen.put(pfn, bin);
            if (other != null) {
                throw IovaTree.broken("pfn 0x" + Long.toHexString(pfn) + " is cached twice (" + other + ", " + bin + ")");
            }
            Iova iova = tree.find(pfn);
            if (iova == null || iova.pfnLo != pfn) {
                throw IovaTree.broken(bin + " caches pfn 0x" + Long.toHexString(pfn)
                    + ", which starts no range of the tree" + (iova == null ? "" : " (it lies in " + iova + ")"));
            }
            long size = iova.pfnHi - iova.pfnLo + 1;
            if (orderBase2(size) != order) {
                throw IovaTree.broken(bin + " caches " + iova + " of " + size + " granules, of order "
                    + orderBase2(size));
            }
        }
    }

    // ---- arguments --------------------------------------------------------------------------

    private void checkAlive() {
        if (destroyed) {
            throw new IllegalStateException("the IOVA domain was destroyed (put_iova_domain)");
        }
    }

    private void checkCall(String op, long size, long limitPfn) {
        checkAlive();
        checkSize(op, size);
        if (Long.compareUnsigned(limitPfn, tree.startPfn) < 0) {
            throw new IllegalArgumentException(op + ": limit pfn 0x" + Long.toHexString(limitPfn)
                + " is below the domain's start pfn 0x" + Long.toHexString(tree.startPfn));
        }
        if (Long.compareUnsigned(limitPfn, tree.maxPfn()) > 0 || limitPfn == IovaTree.ANCHOR_PFN) {
            throw new IllegalArgumentException(op + ": limit pfn 0x" + Long.toHexString(limitPfn)
                + " is beyond the domain's last pfn 0x" + Long.toHexString(tree.maxPfn()));
        }
    }

    private static void checkSize(String op, long size) {
        if (size < 1) {
            throw new IllegalArgumentException(op + ": size " + size + " granules; a range holds at least 1");
        }
    }

    private void checkCpu(String op, int cpu) {
        if (cpu < 0 || cpu >= cpus) {
            throw new IllegalArgumentException(op + ": CPU " + cpu + " is not one of the domain's 0.." + (cpus - 1));
        }
    }

    private void checkPfn(String op, long pfn) {
        if (Long.compareUnsigned(pfn, tree.startPfn) < 0 || Long.compareUnsigned(pfn, tree.maxPfn()) > 0) {
            throw new IllegalArgumentException(noRange(op, pfn));
        }
    }

    private String noRange(String op, long pfn) {
        return op + ": no IOVA range holds pfn 0x" + Long.toHexString(pfn) + " (start pfn 0x"
            + Long.toHexString(tree.startPfn) + ")";
    }

    /** {@code order_base_2}: ceil(log2(n)), 0 for 1. */
    static int orderBase2(long n) {
        return n <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
    }

    static long roundUpPowerOfTwo(long n) {
        return 1L << orderBase2(n);
    }
}
