package org.dmasim.mm.buddy;

import org.dmasim.api.mm.ZoneType;

/**
 * {@code struct zone}: span, page counters, watermarks, lowmem reserves and the counting half
 * of {@code free_area[]} (the lists themselves are in {@link FreeLists}).
 */
final class Zone {
    final int index;
    final ZoneType type;
    final long startPfn;
    final long spanned;
    final long present;

    long managed;
    long cmaPages;
    /** NR_FREE_PAGES: pages on free lists except isolated pageblocks. */
    long freePages;
    /** NR_FREE_CMA_PAGES. */
    long freeCma;
    /** {@code free_area[order].nr_free}. */
    final long[] nrFree = new long[BuddyAllocator.MAX_ORDER];
    /** Blocks per (order, migratetype) list; what pagetypeinfo counts by walking. */
    final long[][] nrFreeByType = new long[BuddyAllocator.MAX_ORDER][BuddyAllocator.MIGRATE_TYPES];

    /** {@code _watermark[WMARK_MIN/LOW/HIGH/PROMO]} without the boost. */
    long wmarkMin;
    long wmarkLow;
    long wmarkHigh;
    long wmarkPromo;
    long watermarkBoost;
    /** ZONE_BOOSTED_WATERMARK: a fallback boosted the marks; kswapd is woken on the way out. */
    boolean boostedFlag;
    long[] lowmemReserve;
    long nrReservedHighatomic;
    /** numa_hit / numa_local of allocations served by the buddy lists (pcp ones count per CPU). */
    long numaHit;
    long numaLocal;
    /** {@code zone->nr_isolate_pageblock}: while non-zero, pcp drains re-read pageblock types. */
    int nrIsolatePageblock;
    /** {@code zone->per_cpu_pageset}: one per simulated CPU (empty for an unpopulated zone). */
    final PerCpuPages[] pcp;

    Zone(int index, ZoneType type, long startPfn, long spanned, long present, int nrZones, int nrCpus) {
        this.index = index;
        this.type = type;
        this.startPfn = startPfn;
        this.spanned = spanned;
        this.present = present;
        this.lowmemReserve = new long[nrZones];
        this.pcp = new PerCpuPages[present > 0 ? nrCpus : 0];
        for (int cpu = 0; cpu < pcp.length; cpu++) {
            pcp[cpu] = new PerCpuPages(cpu);
        }
    }

    /** Pages on every CPU's pcp lists of this zone (racy while other threads run, like the kernel's sum). */
    long pcpPages() {
        long n = 0;
        for (PerCpuPages p : pcp) {
            n += p.count;
        }
        return n;
    }

    long endPfn() {
        return startPfn + spanned;
    }

    boolean spans(long pfn) {
        return pfn >= startPfn && pfn < startPfn + spanned;
    }

    /** {@code populated_zone()}. */
    boolean populated() {
        return present > 0;
    }

    String name() {
        return type.kernelName();
    }

    /** {@code wmark_pages(z, i)}: 0 = min, 1 = low, 2 = high, 3 = promo; boost included. */
    long wmark(int which) {
        long base = switch (which) {
            case 0 -> wmarkMin;
            case 1 -> wmarkLow;
            case 2 -> wmarkHigh;
            default -> wmarkPromo;
        };
        return base + watermarkBoost;
    }
}
