package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.*;

import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MigrateType;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;

/**
 * The allocation half of {@code mm/page_alloc.c}: the zonelist walk with watermark checks
 * ({@code get_page_from_freelist}, {@code __zone_watermark_ok}), the slow path's alloc_flags,
 * {@code rmqueue}'s choice between the per-cpu lists and the buddy lists, the migratetype
 * policy of {@code __rmqueue}, {@code expand()}, and stealing from fallback types.
 *
 * <p>Locking: the fast path ({@link #alloc} up to the slow path) runs without the zone lock.
 * Its watermark checks read the zone counters racily, as the kernel reads vmstat counters;
 * an order-0..3 request then goes to this CPU's pcp lists ({@link PcpLists}), which take the
 * zone lock only to refill. Everything that touches the buddy lists runs under {@link #lock}
 * ({@code zone->lock}); the out-parameters below are only used there.
 */
final class PageAlloc {
    private static final long NO_PAGE = PageAllocator.NO_PAGE;

    /** {@code fallbacks[]}: where each type may steal from, in order. */
    private static final int[][] FALLBACKS = {
        {MT_RECLAIMABLE, MT_MOVABLE},
        {MT_RECLAIMABLE, MT_UNMOVABLE},
        {MT_UNMOVABLE, MT_MOVABLE},
        {}, {}, {},
    };

    private final Node node;
    private final Zone[] zones;
    private final FreeLists lists;
    private final SectionTable st;
    private final BuddyOptions options;
    private final boolean hasDma32;
    private final boolean cma;
    /** {@code zone->lock} for every zone. */
    private final Object lock;
    /** Preferred (highest populated, allowed) zone for each highest-allowed zone index, or -1. */
    private final int[] preferredZone;
    PcpLists pcp;
    /** Out-parameters of the list walkers (single-threaded under the zone lock). */
    private int lastTakenMt;
    private boolean lastCanSteal;

    PageAlloc(Node node, Object lock) {
        this.node = node;
        this.zones = node.zones;
        this.lists = node.lists;
        this.st = node.st;
        this.options = node.options;
        this.lock = lock;
        this.hasDma32 = node.typeIndex(ZoneType.DMA32) >= 0;
        this.cma = options.cmaConfigured();
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

    /** {@code gfp_migratetype()}. */
    static int migratetypeOf(int gfp) {
        return (gfp & (Gfp.__GFP_MOVABLE | Gfp.__GFP_RECLAIMABLE)) >>> 3;
    }

    /**
     * {@code __alloc_pages()} once the arguments are checked: the fast path against the low
     * watermark, then the slow path, then (for callers that may reclaim) one drain of every
     * CPU's pcp lists and a last try. Returns the head pfn, or NO_PAGE. The block's state is
     * set to allocated with {@code aflags}.
     */
    long alloc(int gfp, int order, int highest, int aflags) {
        int mt = migratetypeOf(gfp);
        int preferred = highest < 0 ? -1 : preferredZone[highest];
        if (preferred < 0) {
            return NO_PAGE;
        }
        // Fast path: low watermark; keep fragmentation out of Normal if lower zones exist.
        int flags = ALLOC_WMARK_LOW | ((gfp & Gfp.__GFP_KSWAPD_RECLAIM) != 0 ? ALLOC_KSWAPD : 0);
        if (hasDma32 && zones[preferred].type == ZoneType.NORMAL) {
            flags |= ALLOC_NOFRAGMENT;
        }
        if (cma && mt == MT_MOVABLE) {
            flags |= ALLOC_CMA;
        }
        long pfn = getPageFromFreelist(gfp, order, flags, highest, mt, aflags);
        if (pfn != NO_PAGE) {
            return pfn;
        }
        int slowFlags = slowpathFlags(gfp);
        synchronized (lock) {
            pfn = allocSlowpath(gfp, order, highest, mt, aflags, slowFlags);
            node.flushDematerialise();
        }
        if (pfn == NO_PAGE && (gfp & Gfp.__GFP_DIRECT_RECLAIM) != 0) {
            // __alloc_pages_direct_reclaim(): "pages are pinned on the per-cpu lists": drain
            // them all and retry once. (The kernel gets here only after reclaim made progress;
            // the simulator has nothing else to reclaim, so the pcp pages are that progress.)
            pcp.drainAllPages(null);
            synchronized (lock) {
                pfn = getPageFromFreelist(gfp, order, reserveFlags(gfp, slowFlags), highest, mt, aflags);
                node.flushDematerialise();
            }
        }
        return pfn;
    }

    /** {@code gfp_to_alloc_flags()} for the slow path. */
    private int slowpathFlags(int gfp) {
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
        return allocFlagsCma(gfp, flags);
    }

    /** {@code __gfp_pfmemalloc_flags()}: __GFP_MEMALLOC may use the reserves outright. */
    private int reserveFlags(int gfp, int flags) {
        if ((gfp & Gfp.__GFP_MEMALLOC) != 0 && (gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
            return allocFlagsCma(gfp, ALLOC_NO_WATERMARKS) | (flags & ALLOC_KSWAPD);
        }
        return flags;
    }

    /** {@code __alloc_pages_slowpath()} up to direct reclaim (nothing to reclaim); zone lock held. */
    private long allocSlowpath(int gfp, int order, int highest, int mt, int aflags, int flags) {
        if ((flags & ALLOC_KSWAPD) != 0) {
            wakeKswapd(highest);
        }
        long pfn = getPageFromFreelist(gfp, order, flags, highest, mt, aflags);
        if (pfn != NO_PAGE) {
            return pfn;
        }
        int reserve = reserveFlags(gfp, flags);
        if (reserve != flags) {
            return getPageFromFreelist(gfp, order, reserve, highest, mt, aflags);
        }
        return NO_PAGE;
    }

    private int allocFlagsCma(int gfp, int flags) {
        if (cma && migratetypeOf(gfp) == MT_MOVABLE) {
            flags |= ALLOC_CMA;
        }
        return flags;
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
                long pfn = rmqueue(z, order, mt, flags, aflags);
                if (pfn != NO_PAGE) {
                    if (order > 0 && (flags & ALLOC_HARDER) != 0) {
                        synchronized (lock) {
                            reserveHighatomicPageblock(z, pfn);
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
        if (order == 0 && (gfp & Gfp.__GFP_ATOMIC) != 0 && z.watermarkBoost != 0
            && (flags & ALLOC_WMARK_MASK) == ALLOC_WMARK_MIN) {
            return zoneWatermarkOk(z, order, z.wmarkMin, highest, flags, free);
        }
        return false;
    }

    /** {@code __zone_watermark_unusable_free()}. */
    private long unusableFree(Zone z, int order, int flags) {
        long unusable = (1L << order) - 1;
        if ((flags & ALLOC_HARDER) == 0) {
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
        boolean harder = (flags & ALLOC_HARDER) != 0;
        free -= unusableFree(z, order, flags);
        if ((flags & ALLOC_HIGH) != 0) {
            min -= min / 2;
        }
        if (harder) {
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
            if (harder && !lists.isEmpty(lists.head(z.index, o, MT_HIGHATOMIC))) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code rmqueue()}: this CPU's pcp lists for pcp orders (unless a movable request may not
     * use CMA, whose pages sit on the movable pcp list too), else {@code rmqueue_buddy()}.
     */
    private long rmqueue(Zone z, int order, int mt, int flags, int aflags) {
        long pfn = NO_PAGE;
        if (PerCpuPages.allowedOrder(order) && (!cma || (flags & ALLOC_CMA) != 0 || mt != MT_MOVABLE)) {
            pfn = pcp.rmqueuePcplist(z, order, mt, flags, aflags);
        }
        if (pfn == NO_PAGE) {
            synchronized (lock) {
                pfn = rmqueueBuddy(z, order, mt, flags);
                if (pfn != NO_PAGE) {
                    node.mem(pfn).state[node.off(pfn)] = PageState.alloc(order, aflags);
                    // zone_statistics(): one node, so every allocation is a local hit.
                    z.numaHit++;
                    z.numaLocal++;
                }
                node.flushDematerialise();
            }
        }
        if (z.boostedFlag) {
            synchronized (lock) {
                if (z.boostedFlag) {
                    z.boostedFlag = false;
                    wakeKswapd(z.index);
                }
            }
        }
        return pfn;
    }

    /** {@code rmqueue_buddy()}: the block and its NR_FREE accounting; zone lock held. */
    private long rmqueueBuddy(Zone z, int order, int mt, int flags) {
        long pfn = NO_PAGE;
        int taken = mt;
        if (order > 0 && (flags & ALLOC_HARDER) != 0) {
            pfn = rmqueueSmallest(z, order, MT_HIGHATOMIC);
            taken = MT_HIGHATOMIC;
        }
        if (pfn == NO_PAGE) {
            pfn = rmqueueTypes(z, order, mt, flags);
            taken = lastTakenMt;
        }
        if (pfn != NO_PAGE) {
            z.freePages -= 1L << order;
            if (taken == MT_CMA) {
                z.freeCma -= 1L << order;
            }
        }
        return pfn;
    }

    /**
     * {@code rmqueue_bulk()}: up to {@code count} blocks of one order onto the tail of a pcp
     * list, in the order {@code __rmqueue} yields them. NR_FREE_CMA_PAGES drops block by block,
     * NR_FREE_PAGES once at the end (so the CMA balance check inside sees the kernel's
     * numbers). Zone lock held. Returns the blocks added.
     */
    int rmqueueBulk(Zone z, int order, int count, int mt, int flags, PerCpuPages p, int pindex) {
        int i = 0;
        for (; i < count; i++) {
            long pfn = rmqueueTypes(z, order, mt, flags);
            if (pfn == NO_PAGE) {
                break;
            }
            int taken = lastTakenMt;
            node.mem(pfn).state[node.off(pfn)] = PageState.pcp(order);
            p.addLast(pindex, PerCpuPages.entry(pfn, taken));
            if (taken == MT_CMA) {
                z.freeCma -= 1L << order;
            }
        }
        z.freePages -= (long) i << order;
        return i;
    }

    /** {@code __rmqueue()}: the migratetype policy, CMA balancing and fallback. */
    private long rmqueueTypes(Zone z, int order, int mt, int flags) {
        if ((flags & ALLOC_CMA) != 0 && z.freeCma > z.freePages / 2) {
            // Keep movable allocations from draining the regular pageblocks first.
            long pfn = rmqueueSmallest(z, order, MT_CMA);
            if (pfn != NO_PAGE) {
                lastTakenMt = MT_CMA;
                return pfn;
            }
        }
        while (true) {
            long pfn = rmqueueSmallest(z, order, mt);
            if (pfn != NO_PAGE) {
                lastTakenMt = mt;
                return pfn;
            }
            if ((flags & ALLOC_CMA) != 0) {
                pfn = rmqueueSmallest(z, order, MT_CMA);
                if (pfn != NO_PAGE) {
                    lastTakenMt = MT_CMA;
                    return pfn;
                }
            }
            if (!rmqueueFallback(z, order, mt, flags)) {
                return NO_PAGE;
            }
        }
    }

    /** {@code __rmqueue_smallest()} + {@code expand()}. */
    private long rmqueueSmallest(Zone z, int order, int mt) {
        for (int o = order; o < MAX_ORDER; o++) {
            int head = lists.head(z.index, o, mt);
            int id = lists.next(head);
            if (id == head) {
                continue;
            }
            if (lists.isRun(id)) {
                node.materialise(lists.runSection(id));
                id = lists.next(head);
            }
            long pfn = st.pfnOf(id);
            node.removeFree(z, pfn, o, mt);
            // Split: keep the lower half, the upper halves go to the heads of the lower lists.
            for (int h = o; h > order; ) {
                h--;
                node.addFree(z, pfn + (1L << h), h, mt, false);
            }
            node.mem(pfn).state[node.off(pfn)] = PageState.alloc(order, 0);
            return pfn;
        }
        return NO_PAGE;
    }

    /** {@code __rmqueue_fallback()}: steal from another type, largest block first. */
    private boolean rmqueueFallback(Zone z, int order, int startMt, int flags) {
        int minOrder = (flags & ALLOC_NOFRAGMENT) != 0 ? PAGEBLOCK_ORDER : order;
        int current;
        int fallbackMt = -1;
        boolean canSteal = false;
        boolean found = false;
        for (current = MAX_ORDER - 1; current >= minOrder; current--) {
            fallbackMt = findSuitableFallback(z, current, startMt);
            if (fallbackMt == -1) {
                continue;
            }
            canSteal = lastCanSteal;
            if (!canSteal && startMt == MT_MOVABLE && current > order) {
                // Cannot claim the pageblock: split the smallest block instead of the largest,
                // so a movable allocation does not fragment a big block of another type.
                for (current = order; current < MAX_ORDER; current++) {
                    fallbackMt = findSuitableFallback(z, current, startMt);
                    if (fallbackMt != -1) {
                        break;
                    }
                }
                canSteal = lastCanSteal;
            }
            found = true;
            break;
        }
        if (!found || fallbackMt == -1) {
            return false;
        }
        int head = lists.head(z.index, current, fallbackMt);
        int id = lists.next(head);
        if (lists.isRun(id)) {
            node.materialise(lists.runSection(id));
            id = lists.next(head);
        }
        stealSuitableFallback(z, st.pfnOf(id), current, fallbackMt, flags, startMt, canSteal);
        return true;
    }

    /** {@code find_suitable_fallback(area, order, mt, only_stealable = false, &can_steal)}. */
    private int findSuitableFallback(Zone z, int order, int mt) {
        lastCanSteal = false;
        if (z.nrFree[order] == 0) {
            return -1;
        }
        for (int fb : FALLBACKS[mt]) {
            if (lists.isEmpty(lists.head(z.index, order, fb))) {
                continue;
            }
            lastCanSteal = canStealFallback(order, mt);
            return fb;
        }
        return -1;
    }

    /** {@code can_steal_fallback()}. */
    private static boolean canStealFallback(int order, int startMt) {
        return order >= PAGEBLOCK_ORDER / 2 || startMt == MT_RECLAIMABLE || startMt == MT_UNMOVABLE;
    }

    /** {@code steal_suitable_fallback()}. */
    private void stealSuitableFallback(Zone z, long pfn, int currentOrder, int listMt, int flags, int startType,
        boolean wholeBlock) {
        int oldBlockType = node.pageblockMt(pfn);
        if (oldBlockType != MT_HIGHATOMIC) {
            if (currentOrder >= PAGEBLOCK_ORDER) {
                // Take ownership of every pageblock the block covers.
                for (int i = 0; i < 1 << (currentOrder - PAGEBLOCK_ORDER); i++) {
                    node.setPageblockMt(pfn + ((long) i << PAGEBLOCK_ORDER), startType);
                }
            } else {
                if (boostWatermark(z) && (flags & ALLOC_KSWAPD) != 0) {
                    z.boostedFlag = true;
                }
                if (wholeBlock) {
                    int freePages = node.moveFreepagesBlock(z, pfn, startType, true);
                    int movablePages = node.lastMovablePages;
                    if (freePages != 0) {
                        int alike;
                        if (startType == MT_MOVABLE) {
                            alike = movablePages;
                        } else if (oldBlockType == MT_MOVABLE) {
                            alike = PAGEBLOCK_NR_PAGES - (freePages + movablePages);
                        } else {
                            alike = 0;
                        }
                        if (freePages + alike >= (1 << (PAGEBLOCK_ORDER - 1))) {
                            node.setPageblockMt(pfn, startType);
                        }
                        return;
                    }
                }
            }
        }
        node.moveToFreeList(z, pfn, currentOrder, listMt, startType);
    }

    /** {@code boost_watermark()}. */
    private static boolean boostWatermark(Zone z) {
        if ((long) PAGEBLOCK_NR_PAGES * 4 > z.managed) {
            return false;
        }
        long maxBoost = Watermarks.multFrac(z.wmarkHigh, Watermarks.WATERMARK_BOOST_FACTOR, 10000);
        if (maxBoost == 0) {
            return false;
        }
        maxBoost = Math.max(PAGEBLOCK_NR_PAGES, maxBoost);
        z.watermarkBoost = Math.min(z.watermarkBoost + PAGEBLOCK_NR_PAGES, maxBoost);
        return true;
    }

    /** kswapd, instantaneous: it finds nothing to reclaim and clears boosts up to the zone index. */
    private void wakeKswapd(int highestIdx) {
        for (int i = 0; i <= highestIdx && i < zones.length; i++) {
            zones[i].watermarkBoost = 0;
        }
    }

    /** {@code reserve_highatomic_pageblock()}: high-order atomic allocations keep a reserve. */
    private void reserveHighatomicPageblock(Zone z, long pfn) {
        long maxManaged = z.managed / 100 + PAGEBLOCK_NR_PAGES;
        if (z.nrReservedHighatomic >= maxManaged) {
            return;
        }
        int mt = node.pageblockMt(pfn);
        if (mt < MIGRATE_PCPTYPES) {
            z.nrReservedHighatomic += PAGEBLOCK_NR_PAGES;
            node.setPageblockMt(pfn, MT_HIGHATOMIC);
            node.moveFreepagesBlock(z, pfn, MT_HIGHATOMIC, false);
        }
    }
}
