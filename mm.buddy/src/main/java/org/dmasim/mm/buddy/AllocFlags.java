package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.MT_MOVABLE;

import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.ZoneType;

/**
 * The allocator's internal {@code alloc_flags} ({@code mm/internal.h}) and how a request's GFP
 * flags become them: {@code gfp_to_alloc_flags()} for the slow path (its reserve rights are the
 * kernel version's, {@link MmKernel#reserveFlags}), {@code __gfp_pfmemalloc_flags()} for the
 * reserves, {@code gfp_to_alloc_flags_cma()}, and the fast path's flags from
 * {@code __alloc_pages()} and {@code alloc_flags_nofragment()}.
 *
 * <p>The low two bits index the watermark to check against (min, low, high); the others widen
 * or narrow what the request may take. The reserve bits are named by what they do, since the
 * kernels spell them differently (6.1 ALLOC_HIGH and ALLOC_HARDER; 6.12 ALLOC_MIN_RESERVE,
 * ALLOC_NON_BLOCK and ALLOC_HIGHATOMIC): MIN_HALF and MIN_QUARTER lower min, RESERVES lets the
 * HighAtomic reserve count as free, HIGHATOMIC takes HighAtomic blocks first (order &gt; 0) and
 * reserves a pageblock for them, HIGHATOMIC_FALLBACK takes them when nothing else fits;
 * ALLOC_CMA may use CMA pageblocks, ALLOC_NOFRAGMENT allows only whole-pageblock steals,
 * ALLOC_KSWAPD wakes kswapd.
 */
final class AllocFlags {
    static final int ALLOC_WMARK_MIN = 0;
    static final int ALLOC_WMARK_LOW = 1;
    static final int ALLOC_NO_WATERMARKS = 0x04;
    static final int ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
    /** min -= min / 4 (after the halving): 6.1 ALLOC_HARDER, 6.12 ALLOC_MIN_RESERVE with ALLOC_NON_BLOCK. */
    static final int ALLOC_MIN_QUARTER = 0x10;
    /** min -= min / 2: 6.1 ALLOC_HIGH, 6.12 ALLOC_MIN_RESERVE (both: __GFP_HIGH). */
    static final int ALLOC_MIN_HALF = 0x20;
    static final int ALLOC_CPUSET = 0x40;
    static final int ALLOC_CMA = 0x80;
    static final int ALLOC_NOFRAGMENT = 0x100;
    /** HighAtomic blocks first for order &gt; 0, and reserve a pageblock: 6.1 ALLOC_HARDER, 6.12 ALLOC_HIGHATOMIC. */
    static final int ALLOC_HIGHATOMIC = 0x200;
    /** The HighAtomic reserve is usable free memory: 6.1 ALLOC_HARDER, 6.12 ALLOC_RESERVES. */
    static final int ALLOC_RESERVES = 0x400;
    static final int ALLOC_KSWAPD = 0x800;
    /** rmqueue_buddy takes HighAtomic blocks when nothing else fits: 6.12 ALLOC_NON_BLOCK. */
    static final int ALLOC_HIGHATOMIC_FALLBACK = 0x1000;
    /** Not a flag: {@link MmKernel#reserveFlags} asks the slow path to drop ALLOC_CPUSET. */
    static final int NO_CPUSET = 0x10000;

    /** CONFIG_CMA: MIGRATE_CMA exists, so movable requests get ALLOC_CMA. */
    private final boolean cma;
    /** ZONE_DMA32 is configured: a Normal preferred zone then has a lower zone to keep clean. */
    private final boolean hasDma32;
    private final MmKernel kernel;

    AllocFlags(boolean cma, boolean hasDma32, MmKernel kernel) {
        this.cma = cma;
        this.hasDma32 = hasDma32;
        this.kernel = kernel;
    }

    /** {@code gfp_migratetype()}. */
    static int migratetypeOf(int gfp) {
        return (gfp & (Gfp.__GFP_MOVABLE | Gfp.__GFP_RECLAIMABLE)) >>> 3;
    }

    /**
     * The first attempt of {@code __alloc_pages()}: the low watermark, ALLOC_NOFRAGMENT when the
     * preferred zone is Normal and a lower zone exists ({@code alloc_flags_nofragment}), ALLOC_CMA
     * for movable requests.
     */
    int fastpath(int gfp, ZoneType preferred) {
        int flags = ALLOC_WMARK_LOW | ((gfp & Gfp.__GFP_KSWAPD_RECLAIM) != 0 ? ALLOC_KSWAPD : 0);
        if (hasDma32 && preferred == ZoneType.NORMAL) {
            flags |= ALLOC_NOFRAGMENT;
        }
        return withCma(gfp, flags);
    }

    /** {@code gfp_to_alloc_flags()}: the slow path's flags for a request of {@code order}. */
    int slowpath(int gfp, int order) {
        int flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
        if ((gfp & Gfp.__GFP_KSWAPD_RECLAIM) != 0) {
            flags |= ALLOC_KSWAPD;
        }
        int reserve = kernel.reserveFlags(gfp, order);
        flags |= reserve & ~NO_CPUSET;
        if ((reserve & NO_CPUSET) != 0) {
            flags &= ~ALLOC_CPUSET;
        }
        return withCma(gfp, flags);
    }

    /** {@code zone_watermark_fast()}'s boost exception for order-0 min-watermark checks. */
    boolean ignoresBoost(int gfp, int flags) {
        return kernel.ignoresBoost(gfp, flags);
    }

    /** {@code __gfp_pfmemalloc_flags()}: __GFP_MEMALLOC may use the reserves outright. */
    int reserve(int gfp, int flags) {
        if ((gfp & Gfp.__GFP_MEMALLOC) != 0 && (gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
            return withCma(gfp, ALLOC_NO_WATERMARKS) | (flags & ALLOC_KSWAPD);
        }
        return flags;
    }

    /** {@code gfp_to_alloc_flags_cma()}. */
    private int withCma(int gfp, int flags) {
        if (cma && migratetypeOf(gfp) == MT_MOVABLE) {
            flags |= ALLOC_CMA;
        }
        return flags;
    }
}
