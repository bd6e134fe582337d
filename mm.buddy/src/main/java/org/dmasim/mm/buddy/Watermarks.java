package org.dmasim.mm.buddy;

import org.dmasim.api.mm.ZoneType;

/**
 * The 6.1 sizing rules that turn managed pages into reserves: {@code min_free_kbytes},
 * per-zone watermarks, {@code lowmem_reserve[]}, {@code totalreserve_pages}, and the pcp and
 * vmstat numbers zoneinfo shows. Pure functions over the zone array.
 */
final class Watermarks {
    static final int PAGE_KB = 4;
    static final long SWAP_CLUSTER_MAX = 32;
    static final long WATERMARK_BOOST_FACTOR = 15000;

    private Watermarks() {
    }

    /** {@code sysctl_lowmem_reserve_ratio[]} defaults. */
    static int lowmemReserveRatio(ZoneType t) {
        return switch (t) {
            case DMA, DMA32 -> 256;
            case NORMAL -> 32;
            default -> 0;
        };
    }

    /** {@code int_sqrt()}: floor of the square root. */
    static long intSqrt(long x) {
        long r = (long) Math.sqrt((double) x);
        while (r * r > x) {
            r--;
        }
        while ((r + 1) * (r + 1) <= x) {
            r++;
        }
        return r;
    }

    /** {@code mult_frac(x, n, d)} without the intermediate overflow. */
    static long multFrac(long x, long n, long d) {
        return (x / d) * n + ((x % d) * n) / d;
    }

    /**
     * {@code nr_free_buffer_pages()}: over the zones GFP_USER may use (index up to Normal),
     * managed pages above each zone's high watermark.
     */
    static long nrFreeBufferPages(Zone[] zones, int normalIdx) {
        long sum = 0;
        for (Zone z : zones) {
            if (z.index > normalIdx || !z.populated()) {
                continue;
            }
            long high = z.wmark(2);
            if (z.managed > high) {
                sum += z.managed - high;
            }
        }
        return sum;
    }

    /** {@code calculate_min_free_kbytes()}. */
    static int calculateMinFreeKbytes(Zone[] zones, int normalIdx) {
        long lowmemKbytes = nrFreeBufferPages(zones, normalIdx) * PAGE_KB;
        long v = intSqrt(lowmemKbytes * 16);
        return (int) Math.max(128, Math.min(262144, v));
    }

    /** {@code __setup_per_zone_wmarks()}. */
    static void setupPerZoneWmarks(Zone[] zones, int minFreeKbytes, int scaleFactor) {
        long pagesMin = minFreeKbytes >> 2;
        long lowmemPages = 0;
        for (Zone z : zones) {
            if (z.type != ZoneType.MOVABLE) {
                lowmemPages += z.managed;
            }
        }
        for (Zone z : zones) {
            long tmp = lowmemPages == 0 ? 0 : pagesMin * z.managed / lowmemPages;
            if (z.type == ZoneType.MOVABLE) {
                // __GFP_HIGH and PF_MEMALLOC allocations rarely need movable pages: cap min.
                long minPages = Math.max(SWAP_CLUSTER_MAX, Math.min(128, z.managed / 1024));
                z.wmarkMin = minPages;
            } else {
                z.wmarkMin = tmp;
            }
            tmp = Math.max(tmp >> 2, multFrac(z.managed, scaleFactor, 10000));
            z.watermarkBoost = 0;
            z.wmarkLow = z.wmarkMin + tmp;
            z.wmarkHigh = z.wmarkLow + tmp;
            z.wmarkPromo = z.wmarkHigh + tmp;
        }
    }

    /** {@code setup_per_zone_lowmem_reserve()} (without the totalreserve step). */
    static void setupPerZoneLowmemReserve(Zone[] zones) {
        int n = zones.length;
        for (int i = 0; i < n - 1; i++) {
            Zone z = zones[i];
            int ratio = lowmemReserveRatio(z.type);
            boolean clear = ratio == 0 || z.managed == 0;
            long managedAbove = 0;
            for (int j = i + 1; j < n; j++) {
                managedAbove += zones[j].managed;
                z.lowmemReserve[j] = clear ? 0 : managedAbove / ratio;
            }
        }
    }

    /** {@code calculate_totalreserve_pages()}: high watermark plus the largest reserve, per zone. */
    static long totalReservePages(Zone[] zones) {
        long total = 0;
        for (Zone z : zones) {
            long max = 0;
            for (int j = z.index; j < zones.length; j++) {
                max = Math.max(max, z.lowmemReserve[j]);
            }
            max += z.wmark(2);
            total += Math.min(max, z.managed);
        }
        return total;
    }

    /**
     * {@code set_recommended_min_free_kbytes()} (khugepaged with THP enabled): two pageblocks
     * free per zone plus 3x3 for migratetype fallbacks, capped at 5% of lowmem.
     */
    static int thpRecommendedMinFreeKbytes(Zone[] zones, int normalIdx, int current) {
        int nrZones = 0;
        for (Zone z : zones) {
            if (z.populated() && z.index <= normalIdx) {
                nrZones++;
            }
        }
        long pb = BuddyAllocator.PAGEBLOCK_NR_PAGES;
        long rec = pb * nrZones * 2 + pb * nrZones * 3 * 3;
        rec = Math.min(rec, nrFreeBufferPages(zones, normalIdx) / 20);
        rec <<= 2;
        return rec > current ? (int) rec : current;
    }

    /** {@code zone_batchsize()}. */
    static int zoneBatchsize(long managed) {
        long b = Math.min(managed >> 10, (1 << 20) / 4096);
        b /= 4;
        if (b < 1) {
            b = 1;
        }
        long v = b + b / 2;
        return (int) (Long.highestOneBit(v) - 1);
    }

    /** The pcp {@code batch} after {@code zone_set_pageset_high_and_batch()}. */
    static int pcpBatch(Zone z) {
        return Math.max(1, zoneBatchsize(z.managed));
    }

    /** {@code zone_highsize()} with percpu_pagelist_high_fraction 0, after boot (all CPUs online). */
    static int pcpHigh(Zone z, int nrCpus) {
        long high = z.wmark(1) / nrCpus;
        return (int) Math.max(high, (long) pcpBatch(z) << 2);
    }

    /** {@code calculate_normal_threshold()}. */
    static int statThreshold(Zone z, int nrCpus) {
        long mem = z.managed >> (27 - 12);
        int t = 2 * fls(nrCpus) * (1 + fls(mem));
        return Math.min(125, t);
    }

    static int fls(long x) {
        return 64 - Long.numberOfLeadingZeros(x);
    }
}
