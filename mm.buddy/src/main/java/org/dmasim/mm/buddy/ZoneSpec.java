package org.dmasim.mm.buddy;

import org.dmasim.api.mm.ZoneType;

/**
 * One zone as {@code free_area_init()} sized it: {@code zone_start_pfn}, {@code spanned_pages}
 * (holes included) and {@code present_pages} (memory only). An empty zone has
 * {@code spannedPages == 0}; it still exists (zoneinfo prints it) because the kernel was built
 * with it. Which pfns are present is told separately by the node's memory ranges.
 */
public record ZoneSpec(ZoneType type, long zoneStartPfn, long spannedPages, long presentPages) {
    public ZoneSpec {
        if (type == null) {
            throw new IllegalArgumentException("zone spec: type is required");
        }
        if (zoneStartPfn < 0 || spannedPages < 0 || presentPages < 0 || presentPages > spannedPages) {
            throw new IllegalArgumentException(String.format(
                "zone %s: start_pfn %#x spanned %d present %d: need start >= 0 and 0 <= present <= spanned",
                type.kernelName(), zoneStartPfn, spannedPages, presentPages));
        }
    }

    /** An empty (unpopulated) zone, e.g. {@code DMA32} on a typical arm64 board or {@code Device}. */
    public static ZoneSpec empty(ZoneType type) {
        return new ZoneSpec(type, 0, 0, 0);
    }

    public long zoneEndPfn() {
        return zoneStartPfn + spannedPages;
    }
}
