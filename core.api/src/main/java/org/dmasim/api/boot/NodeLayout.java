package org.dmasim.api.boot;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.mm.ZoneType;

/**
 * The zones of node 0 as {@code free_area_init()} sized them: every configured zone in zone
 * order, populated or not. Published at FREE_AREA_INIT.
 */
public record NodeLayout(List<ZoneSpan> zones, long nodeStartPfn, long nodeEndPfn) {
    /**
     * One zone's span.
     *
     * @param type the zone
     * @param startPfn {@code zone_start_pfn}
     * @param spanned pages from start to end, holes included
     * @param present pages of memblock memory inside the span
     * @param freesize {@code free_area_init_core}'s estimate: present minus memmap (and DMA reserve)
     */
    public record ZoneSpan(ZoneType type, long startPfn, long spanned, long present, long freesize) {
        public long endPfn() {
            return startPfn + spanned;
        }

        public boolean contains(long pfn) {
            return spanned > 0 && pfn >= startPfn && pfn < endPfn();
        }
    }

    public NodeLayout {
        zones = List.copyOf(zones);
    }

    /** The zone whose span holds the pfn ({@code page_zone}). */
    public Optional<ZoneSpan> zoneOf(long pfn) {
        for (ZoneSpan z : zones) {
            if (z.contains(pfn)) {
                return Optional.of(z);
            }
        }
        return Optional.empty();
    }

    public Optional<ZoneSpan> zone(ZoneType type) {
        for (ZoneSpan z : zones) {
            if (z.type() == type) {
                return Optional.of(z);
            }
        }
        return Optional.empty();
    }
}
