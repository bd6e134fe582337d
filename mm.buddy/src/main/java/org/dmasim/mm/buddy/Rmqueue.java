package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.AllocFlags.ALLOC_CMA;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_HIGHATOMIC;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_HIGHATOMIC_FALLBACK;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_KSWAPD;
import static org.dmasim.mm.buddy.AllocFlags.ALLOC_NOFRAGMENT;
import static org.dmasim.mm.buddy.BuddyAllocator.MAX_ORDER;
import static org.dmasim.mm.buddy.BuddyAllocator.MIGRATE_PCPTYPES;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_CMA;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_HIGHATOMIC;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_MOVABLE;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_RECLAIMABLE;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_UNMOVABLE;
import static org.dmasim.mm.buddy.BuddyAllocator.PAGEBLOCK_NR_PAGES;
import static org.dmasim.mm.buddy.BuddyAllocator.PAGEBLOCK_ORDER;

import org.dmasim.api.mm.PageAllocator;

/**
 * Taking a block off the free lists of one zone, once the zonelist walk chose the zone
 * ({@code mm/page_alloc.c}, 6.1): {@code rmqueue()}'s choice between this CPU's pcp lists and
 * the buddy lists, and behind it the migratetype policy of {@code __rmqueue()}.
 *
 * <h2>Algorithm</h2>
 * <ol>
 * <li>HighAtomic first for ALLOC_HIGHATOMIC requests of order &gt; 0 (6.1: ALLOC_HARDER), and
 *     last for ALLOC_HIGHATOMIC_FALLBACK (6.12's ALLOC_NON_BLOCK) when nothing else fits.</li>
 * <li>CMA first when ALLOC_CMA and free CMA pages exceed half of the zone's free pages, so
 *     movable allocations do not drain the regular pageblocks before the CMA ones.</li>
 * <li>The smallest order of the wanted type ({@code __rmqueue_smallest}): the list head, split
 *     down ({@code expand()}: the upper halves go to the heads of the lower lists).</li>
 * <li>Then CMA for ALLOC_CMA requests.</li>
 * <li>Then steal from the fallback types ({@code fallbacks[]}), largest block first, and
 *     claim whole pageblocks as {@code steal_suitable_fallback} does (a movable request that
 *     cannot claim splits the smallest block instead); ALLOC_NOFRAGMENT permits only
 *     pageblock-sized steals. A small steal boosts the watermark ({@code boost_watermark}).</li>
 * </ol>
 *
 * <h2>Data</h2>
 * The free lists are {@link FreeLists}: one intrusive list per (zone, order, migratetype) over
 * the head pfns; {@code Zone.nrFree}/{@code nrFreeByType} count them. A FREE_RUN section's run
 * node is materialised (see {@link Sparse}) the moment one of its blocks is taken.
 *
 * <p>Locking: {@link #rmqueue} is called without the zone lock and takes it for the buddy
 * lists; everything else runs under it. The out-parameters below are only used there.
 */
final class Rmqueue {
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
    private final boolean cma;
    /** {@code zone->lock} for every zone. */
    private final Object lock;
    PcpLists pcp;
    /** Out-parameters of the list walkers (single-threaded under the zone lock). */
    private int lastTakenMt;
    private boolean lastCanSteal;

    Rmqueue(Node node, Object lock) {
        this.node = node;
        this.zones = node.zones;
        this.lists = node.lists;
        this.st = node.st;
        this.cma = node.options.cmaConfigured();
        this.lock = lock;
    }

    /**
     * {@code rmqueue()}: this CPU's pcp lists for pcp orders (unless a movable request may not
     * use CMA, whose pages sit on the movable pcp list too), else {@code rmqueue_buddy()}.
     */
    long rmqueue(Zone z, int order, int mt, int flags, int aflags) {
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
                node.sparse.flushDematerialise();
            }
        }
        if (z.boostedFlag) {
            synchronized (lock) {
                if (z.boostedFlag) {
                    z.boostedFlag = false;
                    wakeKswapd(zones, z.index);
                }
            }
        }
        return pfn;
    }

    /** {@code rmqueue_buddy()}: the block and its NR_FREE accounting; zone lock held. */
    private long rmqueueBuddy(Zone z, int order, int mt, int flags) {
        long pfn = NO_PAGE;
        int taken = mt;
        if (order > 0 && (flags & ALLOC_HIGHATOMIC) != 0) {
            pfn = rmqueueSmallest(z, order, MT_HIGHATOMIC);
            taken = MT_HIGHATOMIC;
        }
        if (pfn == NO_PAGE) {
            pfn = rmqueueTypes(z, order, mt, flags);
            taken = lastTakenMt;
        }
        if (pfn == NO_PAGE && (flags & ALLOC_HIGHATOMIC_FALLBACK) != 0) {
            // 6.12: failing now is worse than failing a high-order atomic request later.
            pfn = rmqueueSmallest(z, order, MT_HIGHATOMIC);
            taken = MT_HIGHATOMIC;
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
                node.sparse.materialise(lists.runSection(id));
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
            node.sparse.materialise(lists.runSection(id));
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
    static void wakeKswapd(Zone[] zones, int highestIdx) {
        for (int i = 0; i <= highestIdx && i < zones.length; i++) {
            zones[i].watermarkBoost = 0;
        }
    }

    /** {@code reserve_highatomic_pageblock()}: high-order atomic allocations keep a reserve. */
    void reserveHighatomicPageblock(Zone z, long pfn) {
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
