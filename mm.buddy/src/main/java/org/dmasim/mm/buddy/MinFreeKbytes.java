package org.dmasim.mm.buddy;

import org.dmasim.api.mm.ZoneType;

/**
 * {@code vm.min_free_kbytes} and what follows from it: {@code init_per_zone_wmark_min()} at
 * boot, the sysctl handler at run time, and {@code totalreserve_pages}. The arithmetic is in
 * {@link Watermarks}; this holds the three numbers the kernel keeps globally and runs the
 * steps in the kernel's order, ending with {@code zone_pcp_update()} for every zone.
 * Callers hold the zone lock.
 */
final class MinFreeKbytes {
    private final Zone[] zones;
    private final BuddyOptions options;
    private final int normalIdx;
    private final PcpLists pcp;
    private final WarnAlloc warn;

    /** The static default before {@code init_per_zone_wmark_min()} runs. */
    private int minFreeKbytes = 1024;
    /** {@code user_min_free_kbytes}: -1 until the user sets the sysctl. */
    private int userMinFreeKbytes;
    private long totalReservePages;

    MinFreeKbytes(Node node, PcpLists pcp, WarnAlloc warn) {
        this.zones = node.zones;
        this.options = node.options;
        this.pcp = pcp;
        this.warn = warn;
        this.userMinFreeKbytes = options.minFreeKbytes();
        int n = -1;
        for (Zone z : zones) {
            if (z.type.ordinal() <= ZoneType.NORMAL.ordinal()) {
                n = z.index;
            }
        }
        this.normalIdx = n;
    }

    /**
     * {@code init_per_zone_wmark_min()}: computes {@code min_free_kbytes} (unless the user set
     * it), the min/low/high watermarks, the lowmem reserves and {@code totalreserve_pages};
     * with THP on, khugepaged's recommended minimum is applied afterwards.
     */
    void initPerZoneWmarkMin() {
        // calculate_min_free_kbytes(): a value the user set wins unless the formula gives more.
        int computed = Watermarks.calculateMinFreeKbytes(zones, normalIdx);
        int fromFormula = (int) Watermarks.intSqrt(Watermarks.nrFreeBufferPages(zones, normalIdx) * 4 * 16);
        if (fromFormula > userMinFreeKbytes) {
            minFreeKbytes = computed;
        } else {
            minFreeKbytes = userMinFreeKbytes;
            warn.warn(String.format("min_free_kbytes is not updated to %d because user defined value %d is preferred",
                fromFormula, userMinFreeKbytes));
        }
        Watermarks.setupPerZoneWmarks(zones, minFreeKbytes, options.watermarkScaleFactor());
        Watermarks.setupPerZoneLowmemReserve(zones);
        totalReservePages = Watermarks.totalReservePages(zones);
        if (options.transparentHugepage()) {
            // khugepaged starts later (subsys_initcall) and raises the floor for THP allocations.
            minFreeKbytes = Watermarks.thpRecommendedMinFreeKbytes(zones, normalIdx, minFreeKbytes);
            Watermarks.setupPerZoneWmarks(zones, minFreeKbytes, options.watermarkScaleFactor());
            totalReservePages = Watermarks.totalReservePages(zones);
        }
        zonePcpUpdate();
    }

    /** {@code min_free_kbytes_sysctl_handler()}: sets the value and re-runs the watermark setup. */
    void set(int kbytes) {
        if (kbytes < 0) {
            throw new IllegalArgumentException("min_free_kbytes must be >= 0, got " + kbytes);
        }
        minFreeKbytes = kbytes;
        userMinFreeKbytes = kbytes;
        Watermarks.setupPerZoneWmarks(zones, minFreeKbytes, options.watermarkScaleFactor());
        totalReservePages = Watermarks.totalReservePages(zones);
        zonePcpUpdate();
    }

    /** setup_per_zone_wmarks() ends with zone_pcp_update() for every zone: high follows the low mark. */
    private void zonePcpUpdate() {
        for (Zone z : zones) {
            pcp.zonePcpUpdate(z);
        }
    }

    /** {@code calculate_totalreserve_pages()}: recomputes and returns {@code totalreserve_pages}. */
    long calculateTotalReserves() {
        totalReservePages = Watermarks.totalReservePages(zones);
        return totalReservePages;
    }

    int value() {
        return minFreeKbytes;
    }

    long totalReservePages() {
        return totalReservePages;
    }
}
