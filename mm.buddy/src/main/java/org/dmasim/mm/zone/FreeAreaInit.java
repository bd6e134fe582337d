package org.dmasim.mm.zone;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.DmaReserve;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.NodeLayout;
import org.dmasim.api.boot.NodeLayout.ZoneSpan;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.BootLog;
import org.dmasim.mm.buddy.MmKernel;

/**
 * {@code free_area_init()} and {@code free_area_init_core()} (mm/page_alloc.c, 6.1) for the
 * single node dmasim models.
 *
 * <p>Zone bounds: the first configured zone starts at the lowest memory pfn; each zone ends at
 * {@code max(max_zone_pfn[z], start)} and the next starts there (ZONE_MOVABLE is skipped). A
 * zone's span is clamped to the node; present pages are memblock memory inside it. Each zone's
 * free-size estimate subtracts its memmap ({@code calc_memmap_size}: 64 bytes per spanned
 * page, or per present page when the zone is more than 1/16 holes) and, for the first zone,
 * the x86 DMA reserve. Their sum is 6.1's "Total pages" of the zonelist line; 6.12 prints the
 * sum of the present pages ({@link MmKernel#zonelistTotalPages}).
 */
final class FreeAreaInit {
    private FreeAreaInit() {
    }

    static NodeLayout run(BootContext ctx) {
        Memblock mb = ctx.memblock();
        ZoneLimits limits = ctx.require(ZoneLimits.class);
        BootLog log = ctx.log();
        List<long[]> ranges = pfnRanges(mb);
        long nodeStart = ranges.isEmpty() ? 0 : ranges.get(0)[0];
        long nodeEnd = ranges.isEmpty() ? 0 : ranges.get(ranges.size() - 1)[1];

        ZoneType[] types = ZoneType.values();
        long[] lowest = new long[types.length];
        long[] highest = new long[types.length];
        long start = nodeStart;
        for (ZoneType z : types) {
            if (z == ZoneType.MOVABLE || !limits.configured(z)) {
                continue;
            }
            long end = Math.max(limits.maxZonePfn(z), start);
            lowest[z.ordinal()] = start;
            highest[z.ordinal()] = end;
            start = end;
        }

        log.info("Zone ranges:");
        for (ZoneType z : types) {
            if (z == ZoneType.MOVABLE || !limits.configured(z)) {
                continue;
            }
            String head = String.format("  %-8s ", z.kernelName());
            if (lowest[z.ordinal()] == highest[z.ordinal()]) {
                log.info(head + "empty");
            } else {
                log.info(head + String.format("[mem %#018x-%#018x]", Page.pfnPhys(lowest[z.ordinal()]),
                    Page.pfnPhys(highest[z.ordinal()]) - 1));
            }
        }
        log.info("Movable zone start for each node");
        log.info("Early memory node ranges");
        for (long[] r : ranges) {
            log.info(String.format("  node %3d: [mem %#018x-%#018x]", 0, Page.pfnPhys(r[0]), Page.pfnPhys(r[1]) - 1));
        }
        log.info(String.format("Initmem setup node %d [mem %#018x-%#018x]", 0, Page.pfnPhys(nodeStart),
            Page.pfnPhys(nodeEnd) - 1));

        long dmaReserve = ctx.get(DmaReserve.class).map(DmaReserve::pages).orElse(0L);
        List<ZoneSpan> zones = new ArrayList<>();
        boolean first = true;
        for (ZoneType z : types) {
            if (!limits.configured(z)) {
                continue;
            }
            long zs;
            long ze;
            if (z == ZoneType.MOVABLE) {
                zs = 0;
                ze = 0;
            } else {
                zs = Math.max(lowest[z.ordinal()], nodeStart);
                ze = Math.min(highest[z.ordinal()], nodeEnd);
                if (ze < zs) {
                    zs = 0;
                    ze = 0;
                }
            }
            long spanned = ze - zs;
            long present = 0;
            for (long[] r : ranges) {
                long a = Math.max(r[0], zs);
                long b = Math.min(r[1], ze);
                if (b > a) {
                    present += b - a;
                }
            }
            long freesize = present;
            long memmap = memmapPages(spanned, present);
            if (freesize >= memmap) {
                freesize -= memmap;
            } else {
                log.warn(String.format("  %s zone: %d memmap pages exceeds freesize %d", z.kernelName(), memmap, freesize));
            }
            if (first && freesize > dmaReserve) {
                freesize -= dmaReserve;
            }
            first = false;
            zones.add(new ZoneSpan(z, spanned == 0 ? 0 : zs, spanned, present, freesize));
        }
        return new NodeLayout(zones, nodeStart, nodeEnd);
    }

    /** {@code calc_memmap_size}. */
    static long memmapPages(long spanned, long present) {
        long pages = spanned;
        if (spanned > present + (present >> 4)) {
            pages = present;
        }
        return Page.pfnUp(pages * Page.STRUCT_PAGE_SIZE);
    }

    /** {@code for_each_mem_pfn_range}: every memblock memory region as whole pages. */
    static List<long[]> pfnRanges(Memblock mb) {
        List<long[]> out = new ArrayList<>();
        for (Memblock.Region r : mb.memory()) {
            long s = Page.pfnUp(r.base());
            long e = Page.pfnDown(r.end());
            if (s < e) {
                out.add(new long[] {s, e});
            }
        }
        return out;
    }

    /** {@code build_all_zonelists()}: the "Total pages" line, counted as the kernel version counts it. */
    static void zonelists(BootContext ctx, NodeLayout layout, MmKernel kernel) {
        long total = kernel.zonelistTotalPages(layout.zones());
        boolean grouping = total >= Page.PAGEBLOCK_NR_PAGES * 6;
        ctx.log().info(String.format("Built %d zonelists, mobility grouping %s.  Total pages: %d", 1,
            grouping ? "on" : "off", total));
    }
}
