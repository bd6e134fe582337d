package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.MT_MOVABLE;

import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.ZoneType;

/**
 * The allocator's internal {@code alloc_flags} ({@code mm/internal.h}, 6.1) and how a request's
 * GFP flags become them: {@code gfp_to_alloc_flags()} for the slow path,
 * {@code __gfp_pfmemalloc_flags()} for the reserves, {@code gfp_to_alloc_flags_cma()}, and the
 * fast path's flags from {@code __alloc_pages()} and {@code alloc_flags_nofragment()}.
 *
 * <p>The low two bits index the watermark to check against (min, low, high); the others widen
 * or narrow what the request may take: ALLOC_HARDER dips further below min and into the
 * HighAtomic reserve, ALLOC_HIGH halves min, ALLOC_CMA may use CMA pageblocks, ALLOC_NOFRAGMENT
 * allows only whole-pageblock steals, ALLOC_KSWAPD wakes kswapd.
 */
final class AllocFlags {
    static final int ALLOC_WMARK_MIN = 0;
    static final int ALLOC_WMARK_LOW = 1;
    static final int ALLOC_NO_WATERMARKS = 0x04;
    static final int ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
    static final int ALLOC_HARDER = 0x10;
    static final int ALLOC_HIGH = 0x20;
    static final int ALLOC_CPUSET = 0x40;
    static final int ALLOC_CMA = 0x80;
    static final int ALLOC_NOFRAGMENT = 0x100;
    static final int ALLOC_KSWAPD = 0x800;

    /** CONFIG_CMA: MIGRATE_CMA exists, so movable requests get ALLOC_CMA. */
    private final boolean cma;
    /** ZONE_DMA32 is configured: a Normal preferred zone then has a lower zone to keep clean. */
    private final boolean hasDma32;

    AllocFlags(boolean cma, boolean hasDma32) {
        this.cma = cma;
        this.hasDma32 = hasDma32;
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

    /** {@code gfp_to_alloc_flags()}: the slow path's flags. */
    int slowpath(int gfp) {
        int flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
        if ((gfp & Gfp.__GFP_HIGH) != 0) {
            flags |= ALLOC_HIGH;
        }
        if ((gfp & Gfp.__GFP_KSWAPD_RECLAIM) != 0) {
            flags |= ALLOC_KSWAPD;
        }
        if ((gfp & Gfp.__GFP_ATOMIC) != 0) {
            if ((gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
                flags |= ALLOC_HARDER;
            }
            flags &= ~ALLOC_CPUSET;
        }
        return withCma(gfp, flags);
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
