package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.AllocFlags.ALLOC_CMA;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_HIGHATOMIC;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_MIN_HALF;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_MIN_QUARTER;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_RESERVES;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_KSWAPD;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_NOFRAGMENT;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_NO_WATERMARKS;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_WMARK_MASK;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_WMARK_MIN;
import static org.dmasim.mm.buddy.BuddyAllocator.MAX_ORDER;
import static org.dmasim.mm.buddy.BuddyAllocator.MIGRATE_PCPTYPES;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_CMA;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_HIGHATOMIC;

import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MovablePageOwner;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;

/**
 * The allocation half of {@code mm/page_alloc.c} (6.1; where 6.12 differs, the platform's
 * {@link MmKernel} decides): {@code __alloc_pages()} from its
 * argument checks to {@code prep_new_page()}, the zonelist walk with watermark checks
 * ({@code get_page_from_freelist}, {@code zone_watermark_fast}, {@code __zone_watermark_ok}) and
 * the slow path. Which block a chosen zone gives is {@link Rmqueue}'s business; how GFP flags
 * become alloc_flags is {@link AllocFlags}'.
 *
 * <h2>Algorithm</h2>
 * <ol>
 * <li>{@code gfp_zone()} gives the highest zone (an invalid zone-modifier combination is
 *     refused with the kernel's reason); an order above 10 fails at once with a one-time warning.</li>
 * <li>Fast path: walk the zonelist (highest allowed zone down to DMA, populated zones only)
 *     against the low watermark; with ALLOC_NOFRAGMENT, retry the walk once without it.</li>
 * <li>Slow path (zone lock): min watermark with the slow path's flags, then the reserves for
 *     __GFP_MEMALLOC. No reclaim or compaction exists to help; a caller that may reclaim gets
 *     one drain of every CPU's pcp lists and a last try.</li>
 * <li>On success the head state records the request (zeroing, movable, owned); an owner is
 *     registered for migration and __GFP_ZERO fills the attached RAM. On failure,
 *     {@code warn_alloc}.</li>
 * </ol>
 *
 * <p>Locking: the fast path runs without the zone lock. Its watermark checks read the zone
 * counters racily, as the kernel reads vmstat counters; an order-0..3 request then goes to this
 * CPU's pcp lists ({@link PcpLists}), which take the zone lock only to refill.
 */
final class PageAlloc {
    private static final long NO_PAGE = PageAllocator.NO_PAGE;

    private final Node node;
    private final Zone[] zones;
    private final FreeLists lists;
    private final AllocFlags allocFlags;
    /** {@code zone->lock} for every zone. */
    private final Object lock;
    private final boolean hasDma;
    private final boolean hasDma32;
    /** Highest zone index for each combination of the four zone-modifier bits; -2 = invalid. */
    private final int[] gfpZoneIndex = new int[16];
    /** Preferred (highest populated, allowed) zone for each highest-allowed zone index, or -1. */
    private final int[] preferredZone;
    private final Rmqueue rmqueue;
    private final WarnAlloc warn;
    PcpLists pcp;
    Migration migration;

    PageAlloc(Node node, Object lock, Rmqueue rmqueue, WarnAlloc warn) {
        this.node = node;
        this.zones = node.zones;
        this.lists = node.lists;
        this.lock = lock;
        this.rmqueue = rmqueue;
        this.warn = warn;
        this.hasDma = node.typeIndex(ZoneType.DMA) >= 0;
        this.hasDma32 = node.typeIndex(ZoneType.DMA32) >= 0;
        this.allocFlags = new AllocFlags(node.options.cmaConfigured(), hasDma32, node.options.kernel());
        for (int bits = 0; bits < 16; bits++) {
            try {
                gfpZoneIndex[bits] = node.zoneIndexAtMost(Gfp.zone(bits, hasDma, hasDma32));
            } catch (IllegalArgumentException e) {
                gfpZoneIndex[bits] = -2;
            }
        }
        this.preferredZone = new int[zones.length];
        for (int h = 0; h < zones.length; h++) {
            preferredZone[h] = -1;
            for (int i = h; i >= 0; i--) {
                if (zones[i].populated()) {
                    preferredZone[h] = i;
                    break;
                }
            }
        }
    }

    /**
     * {@code alloc_pages(gfp, order)}, with a movable owner or null: the argument checks, the
     * allocation, and {@code prep_new_page()}'s part that shows (zeroing).
     */
    long allocPages(int gfp, int order, MovablePageOwner owner) {
        int highest = gfpZoneIndex[gfp & Gfp.GFP_ZONEMASK];
        if (highest == -2) {
            Gfp.zone(gfp, hasDma, hasDma32); // throws with the kernel's reason
        }
        if (order >= MAX_ORDER) {
            // WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp) (6.12: order > MAX_PAGE_ORDER): never met.
            warn.maxOrder(gfp, pcp.cpu());
            return NO_PAGE;
        }
        int aflags = ((gfp & Gfp.__GFP_ZERO) != 0 ? PageState.A_ZERO : 0)
            | ((gfp & Gfp.__GFP_MOVABLE) != 0 ? PageState.A_MOVABLE : 0)
            | (owner != null ? PageState.A_OWNED : 0);
        long pfn = alloc(gfp, order, highest, aflags);
        if (pfn == NO_PAGE) {
            warn.allocFailure(gfp, order);
            return NO_PAGE;
        }
        if (owner != null) {
            synchronized (lock) {
                migration.register(pfn, owner);
            }
        }
        if ((gfp & Gfp.__GFP_ZERO) != 0) {
            // prep_new_page() -> kernel_init_pages(): the block reads as zeros.
            PhysMemory mem = node.memory;
            if (mem != null) {
                mem.fill(Page.pfnPhys(pfn), Page.PAGE_SIZE << order, (byte) 0);
            }
        }
        return pfn;
    }

    /**
     * {@code __alloc_pages()} once the arguments are checked: the fast path against the low
     * watermark, then the slow path, then (for callers that may reclaim) one drain of every
     * CPU's pcp lists and a last try. Returns the head pfn, or NO_PAGE. The block's state is
     * set to allocated with {@code aflags}.
     */
    long alloc(int gfp, int order, int highest, int aflags) {
        int mt = AllocFlags.migratetypeOf(gfp);
        int preferred = highest < 0 ? -1 : preferredZone[highest];
        if (preferred < 0) {
            return NO_PAGE;
        }
        // Fast path: low watermark; keep fragmentation out of Normal if lower zones exist.
        int flags = allocFlags.fastpath(gfp, zones[preferred].type);
        long pfn = getPageFromFreelist(gfp, order, flags, highest, mt, aflags);
        if (pfn != NO_PAGE) {
            return pfn;
        }
        int slowFlags = allocFlags.slowpath(gfp, order);
        synchronized (lock) {
            pfn = allocSlowpath(gfp, order, highest, mt, aflags, slowFlags);
            node.sparse.flushDematerialise();
        }
        if (pfn == NO_PAGE && (gfp & Gfp.__GFP_DIRECT_RECLAIM) != 0) {
            // __alloc_pages_direct_reclaim(): "pages are pinned on the per-cpu lists": drain
            // them all and retry once. (The kernel gets here only after reclaim made progress;
            // the simulator has nothing else to reclaim, so the pcp pages are that progress.)
            pcp.drainAllPages(null);
            synchronized (lock) {
                pfn = getPageFromFreelist(gfp, order, allocFlags.reserve(gfp, slowFlags), highest, mt, aflags);
                node.sparse.flushDematerialise();
            }
        }
        return pfn;
    }


    /** {@code __alloc_pages_slowpath()} up to direct reclaim (nothing to reclaim); zone lock held. */
    private long allocSlowpath(int gfp, int order, int highest, int mt, int aflags, int flags) {
        if ((flags & ALLOC_KSWAPD) != 0) {
            Rmqueue.wakeKswapd(zones, highest);
        }
        long pfn = getPageFromFreelist(gfp, order, flags, highest, mt, aflags);
        if (pfn != NO_PAGE) {
            return pfn;
        }
        int reserve = allocFlags.reserve(gfp, flags);
        if (reserve != flags) {
            return getPageFromFreelist(gfp, order, reserve, highest, mt, aflags);
        }
        return NO_PAGE;
    }


    /**
     * {@code get_page_from_freelist()}: the zonelist walk with watermark checks. Runs with or
     * without the zone lock; the buddy parts take it (it is reentrant).
     */
    private long getPageFromFreelist(int gfp, int order, int flags, int highest, int mt, int aflags) {
        while (true) {
            for (int i = highest; i >= 0; i--) {
                Zone z = zones[i];
                if (!z.populated()) {
                    continue;
                }
                long mark = z.wmark(flags & ALLOC_WMARK_MASK);
                if (!zoneWatermarkFast(z, order, mark, highest, flags, gfp)
                    && (flags & ALLOC_NO_WATERMARKS) == 0) {
                    continue;
                }
                long pfn = rmqueue.rmqueue(z, order, mt, flags, aflags);
                if (pfn != NO_PAGE) {
                    if (order > 0 && (flags & ALLOC_HIGHATOMIC) != 0) {
                        synchronized (lock) {
                            rmqueue.reserveHighatomicPageblock(z, pfn);
                        }
                    }
                    return pfn;
                }
            }
            if ((flags & ALLOC_NOFRAGMENT) != 0) {
                // Every zone was fragmented-or-empty for whole-pageblock steals: allow small ones.
                flags &= ~ALLOC_NOFRAGMENT;
                continue;
            }
            return NO_PAGE;
        }
    }

    /** {@code zone_watermark_fast()}. */
    private boolean zoneWatermarkFast(Zone z, int order, long mark, int highest, int flags, int gfp) {
        long free = z.freePages;
        if (order == 0) {
            // The racy common case, as the kernel's: enough order-0 headroom, no lock taken.
            long reserved = unusableFree(z, 0, flags);
            long usable = free - Math.min(free, reserved);
            if (usable > mark + z.lowmemReserve[highest]) {
                return true;
            }
        }
        if (zoneWatermarkOk(z, order, mark, highest, flags, free)) {
            return true;
        }
        if (order == 0 && allocFlags.ignoresBoost(gfp, flags) && z.watermarkBoost != 0
            && (flags & ALLOC_WMARK_MASK) == ALLOC_WMARK_MIN) {
            return zoneWatermarkOk(z, order, z.wmarkMin, highest, flags, free);
        }
        return false;
    }

    /** {@code __zone_watermark_unusable_free()}. */
    private long unusableFree(Zone z, int order, int flags) {
        long unusable = (1L << order) - 1;
        if ((flags & ALLOC_RESERVES) == 0) {
            unusable += z.nrReservedHighatomic;
        }
        if ((flags & ALLOC_CMA) == 0) {
            unusable += z.freeCma;
        }
        return unusable;
    }

    /** {@code __zone_watermark_ok()}. */
    private boolean zoneWatermarkOk(Zone z, int order, long mark, int highest, int flags, long free) {
        long min = mark;
        free -= unusableFree(z, order, flags);
        if ((flags & ALLOC_MIN_HALF) != 0) {
            min -= min / 2;
        }
        if ((flags & ALLOC_MIN_QUARTER) != 0) {
            min -= min / 4;
        }
        if (free <= min + z.lowmemReserve[highest]) {
            return false;
        }
        if (order == 0) {
            return true;
        }
        for (int o = order; o < MAX_ORDER; o++) {
            if (z.nrFree[o] == 0) {
                continue;
            }
            for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
                if (!lists.isEmpty(lists.head(z.index, o, mt))) {
                    return true;
                }
            }
            if ((flags & ALLOC_CMA) != 0 && !lists.isEmpty(lists.head(z.index, o, MT_CMA))) {
                return true;
            }
            if ((flags & ALLOC_HIGHATOMIC) != 0 && !lists.isEmpty(lists.head(z.index, o, MT_HIGHATOMIC))) {
                return true;
            }
        }
        return false;
    }
}
