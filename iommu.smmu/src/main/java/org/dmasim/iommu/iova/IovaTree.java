package org.dmasim.iommu.iova;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dmasim.api.platform.SpinLock;

/**
 * The rbtree half of {@code struct iova_domain}: the ranges sorted by pfn_lo, the anchor, the two
 * cached search points, {@code max32_alloc_size}, and {@code iova_rbtree_lock} (this object's
 * lock word). {@link IovaDomain}'s essay describes the algorithm; this class holds its steps.
 *
 * <p>pfns are the kernel's {@code unsigned long}: the anchor is {@code ~0UL} (-1 here), so every
 * comparison is unsigned and every subtraction may wrap, exactly as in C. The tree is a
 * {@link TreeMap} with an unsigned comparator from pfn_lo to node; {@code rb_prev}/{@code rb_next}
 * are its lower/higher look-ups. Callers hold the lock around every method but {@link #alloc}
 * and {@link #reserve}, which take it themselves.
 */
final class IovaTree extends SpinLock {
    /** {@code IOVA_ANCHOR}: pfn_lo = pfn_hi of the node that is always last in the tree. */
    static final long ANCHOR_PFN = -1L;

    final long startPfn;
    final long dma32BitPfn;
    private final long maxPfn;
    private final TreeMap<Long, Iova> tree = new TreeMap<>(Long::compareUnsigned);
    private final Iova anchor = new Iova(ANCHOR_PFN, ANCHOR_PFN, false);
    /** {@code cached_node}: where searches with a limit above 4 GiB start. */
    private Iova cachedNode;
    /** {@code cached32_node}: where searches with a limit at or below 4 GiB start. */
    private Iova cached32Node;
    /** Searches below 4 GiB of at least this many granules fail at once. */
    private long max32AllocSize;

    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16;

    /** {@code init_iova_domain} after its granule check. */
    IovaTree(int shift, long startPfn) {
        this.startPfn = startPfn;
        this.dma32BitPfn = 1L << (32 - shift);
        this.maxPfn = -1L >>> shift;
        this.max32AllocSize = dma32BitPfn;
        tree.put(anchor.pfnLo, anchor);
        cachedNode = anchor;
        cached32Node = anchor;
    }

    /** The highest pfn an address of the domain can have ({@code ULLONG_MAX >> shift}). */
    long maxPfn() {
        return maxPfn;
    }

    // ---- __alloc_and_insert_iova_range ---------------------------------------------------

    /**
     * {@code alloc_iova}: a range of {@code size} granules ending below {@code limitExcl},
     * inserted into the tree; its pfn_lo, or 0 (-ENOMEM).
     */
    long alloc(long size, long limitExcl, boolean sizeAligned) {
        long alignMask = -1L;
        if (sizeAligned) {
            int fls = 64 - Long.numberOfLeadingZeros(size - 1);
            alignMask = fls >= 64 ? 0 : -1L << fls;
        }
        long high = limitExcl;
        long low = startPfn;
        lock();
        try {
            boolean below4g = Long.compareUnsigned(limitExcl, dma32BitPfn) <= 0;
            if (below4g && Long.compareUnsigned(size, max32AllocSize) >= 0) {
                return 0;
            }
            Iova curr = below4g ? cached32Node : cachedNode;
            // 6.1.y (the "alloc iova overflows" fix): the retry floor is the cached node's pfn_hi.
            long retryPfn = curr.pfnHi;
            boolean retried = false;
            long newPfn;
            for (;;) {
                // Walk down from curr while the candidate overlaps the node below it.
                do {
                    high = umin(high, curr.pfnLo);
                    newPfn = (high - size) & alignMask;
                    curr = prev(curr);
                } while (curr != null && Long.compareUnsigned(newPfn, curr.pfnHi) <= 0
                    && Long.compareUnsigned(newPfn, low) >= 0);
                if (Long.compareUnsigned(high, size) >= 0 && Long.compareUnsigned(newPfn, low) >= 0) {
                    break;
                }
                // Nothing below the cached point: search once more between it and the limit.
                // (retried guards a start_pfn - 1 floor, on which the kernel would spin forever.)
                if (!retried && low == startPfn && Long.compareUnsigned(retryPfn, limitExcl) < 0) {
                    retried = true;
                    high = limitExcl;
                    low = retryPfn + 1;
                    curr = findLimit(limitExcl);
                    continue;
                }
                max32AllocSize = size;
                return 0;
            }
            Iova fresh = new Iova(newPfn, newPfn + size - 1, false);
            tree.put(fresh.pfnLo, fresh);
            if (Long.compareUnsigned(fresh.pfnHi, dma32BitPfn) < 0) {
                cached32Node = fresh;
            } else {
                cachedNode = fresh;
            }
            return newPfn;
        } finally {
            unlock();
        }
    }

    /**
     * {@code iova_find_limit}: where the retry pass starts. Above 4 GiB the anchor; else the lowest
     * node with pfn_lo at or above the limit. (The kernel's rbtree descent may stop on a node
     * straddling the limit instead; the walk then starts one node lower with the same first
     * candidate, so the result is the same range.)
     */
    private Iova findLimit(long limitExcl) {
        if (Long.compareUnsigned(limitExcl, dma32BitPfn) > 0) {
            return anchor;
        }
        return tree.ceilingEntry(limitExcl).getValue();
    }

    // ---- look-up and removal -------------------------------------------------------------

    /** {@code private_find_iova}: the node holding {@code pfn}, the anchor never; or null. */
    Iova find(long pfn) {
        Map.Entry<Long, Iova> e = tree.floorEntry(pfn);
        if (e == null || e.getValue() == anchor || Long.compareUnsigned(pfn, e.getValue().pfnHi) > 0) {
            return null;
        }
        return e.getValue();
    }

    /** {@code remove_iova}: the cached points move off the node first, then it leaves the tree. */
    void remove(Iova free) {
        Iova c32 = cached32Node;
        if (free == c32 || (Long.compareUnsigned(free.pfnHi, dma32BitPfn) < 0
            && Long.compareUnsigned(free.pfnLo, c32.pfnLo) >= 0)) {
            cached32Node = next(free);
        }
        if (Long.compareUnsigned(free.pfnLo, dma32BitPfn) < 0) {
            max32AllocSize = dma32BitPfn;
        }
        if (Long.compareUnsigned(free.pfnLo, cachedNode.pfnLo) >= 0) {
            cachedNode = next(free);
        }
        tree.remove(free.pfnLo);
    }

    /** {@code free_iova}: find and remove; whether a range held {@code pfn}. */
    boolean free(long pfn) {
        lock();
        try {
            Iova iova = find(pfn);
            if (iova == null) {
                return false;
            }
            remove(iova);
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * {@code iova_magazine_free_pfns}: every cached pfn of a magazine back to the tree, under one
     * hold of the lock. A pfn no range holds is skipped (the kernel WARNs).
     */
    void freeMagazine(long[] mag) {
        int n = IovaMagazine.size(mag);
        if (n == 0) {
            return;
        }
        lock();
        try {
            for (int i = 0; i < n; i++) {
                Iova iova = find(IovaMagazine.pfn(mag, i));
                if (iova != null) {
                    remove(iova);
                }
            }
        } finally {
            unlock();
        }
        IovaMagazine.clear(mag);
    }

    // ---- reserve_iova ----------------------------------------------------------------------

    /**
     * {@code reserve_iova}: walks the tree in order; the first overlapping node is grown down to
     * {@code pfnLo}, the request is cut to what lies above each overlapping node, and the rest
     * is inserted as a new node (so a gap between two overlapped nodes is absorbed by the upper
     * one, as in the kernel). Cached points are not touched. False for pfns no address of the
     * domain can have (the kernel's WARN_ON and NULL).
     */
    boolean reserve(long pfnLo, long pfnHi) {
        if (Long.compareUnsigned(pfnLo | pfnHi, maxPfn) > 0) {
            return false;
        }
        lock();
        try {
            boolean overlap = false;
            for (Iova iova : new ArrayList<>(tree.values())) {
                if (Long.compareUnsigned(pfnLo, iova.pfnHi) <= 0 && Long.compareUnsigned(pfnHi, iova.pfnLo) >= 0) {
                    if (Long.compareUnsigned(pfnLo, iova.pfnLo) < 0) {
                        tree.remove(iova.pfnLo);
                        iova.pfnLo = pfnLo;
                        tree.put(iova.pfnLo, iova);
                    }
                    iova.reserved = true;
                    if (Long.compareUnsigned(pfnHi, iova.pfnHi) > 0) {
                        pfnLo = iova.pfnHi + 1;
                    } else {
                        return true;
                    }
                    overlap = true;
                } else if (overlap) {
                    break;
                }
            }
            Iova fresh = new Iova(pfnLo, pfnHi, true);
            tree.put(fresh.pfnLo, fresh);
            return true;
        } finally {
            unlock();
        }
    }

    // ---- views and checks (under the lock) -------------------------------------------------

    List<IovaRange> ranges() {
        List<IovaRange> out = new ArrayList<>(tree.size() - 1);
        for (Iova iova : tree.values()) {
            if (iova != anchor) {
                out.add(iova.range());
            }
        }
        return out;
    }

    /** Drops every node but the anchor ({@code put_iova_domain}). */
    void clear() {
        tree.clear();
        tree.put(anchor.pfnLo, anchor);
        cachedNode = anchor;
        cached32Node = anchor;
        max32AllocSize = dma32BitPfn;
    }

    long max32AllocSize() {
        return max32AllocSize;
    }

    /** Throws naming the first broken tree invariant. */
    void check() {
        Iova last = null;
        for (Map.Entry<Long, Iova> e : tree.entrySet()) {
            Iova iova = e.getValue();
            if (e.getKey() != iova.pfnLo) {
                throw broken("node " + iova + " is filed under pfn 0x" + Long.toHexString(e.getKey()));
            }
            if (Long.compareUnsigned(iova.pfnLo, iova.pfnHi) > 0) {
                throw broken("node " + iova + " ends before it starts");
            }
            if (last != null && Long.compareUnsigned(last.pfnHi, iova.pfnLo) >= 0) {
                throw broken("nodes " + last + " and " + iova + " overlap");
            }
            last = iova;
        }
        if (last != anchor) {
            throw broken("the anchor is not the last node (last: " + last + ")");
        }
        if (tree.get(cachedNode.pfnLo) != cachedNode) {
            throw broken("cached_node " + cachedNode + " is not a node of the tree");
        }
        if (tree.get(cached32Node.pfnLo) != cached32Node) {
            throw broken("cached32_node " + cached32Node + " is not a node of the tree");
        }
        // Any failed search sets it (a 64-bit one too, so it may exceed dma_32bit_pfn).
        if (max32AllocSize == 0) {
            throw broken("max32_alloc_size is 0");
        }
    }

    static IllegalStateException broken(String what) {
        return new IllegalStateException("IOVA domain inconsistent: " + what);
    }

    // ---- rb_prev / rb_next -------------------------------------------------------------------

    private Iova prev(Iova node) {
        Map.Entry<Long, Iova> e = tree.lowerEntry(node.pfnLo);
        return e == null ? null : e.getValue();
    }

    private Iova next(Iova node) {
        Map.Entry<Long, Iova> e = tree.higherEntry(node.pfnLo);
        return e == null ? null : e.getValue();
    }

    private static long umin(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }
}
