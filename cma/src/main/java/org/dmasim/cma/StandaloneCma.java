package org.dmasim.cma;

import java.util.Optional;
import java.util.function.LongSupplier;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.BootLog;

/**
 * CMA areas on a page allocator without a platform boot, for benchmarks and tests that run
 * outside OSGi (this package is not exported). It does what {@code cma_init_reserved_mem} and
 * {@code cma_activate_area} do for memory the caller has already kept out of the allocator:
 * checks the pageblock alignment, hands every pageblock over as MIGRATE_CMA, and publishes the
 * area with an empty bitmap.
 */
public final class StandaloneCma {
    private final CmaRegistry registry;

    StandaloneCma(BootLog log, LongSupplier clock) {
        this.registry = new CmaRegistry(Integer.MAX_VALUE, new CmaGlobals(log, clock));
    }

    /** A new, empty set of areas whose messages go to {@code log}. */
    public static StandaloneCma create(BootLog log) {
        if (log == null) {
            throw new IllegalArgumentException("StandaloneCma: a log is required for cma_alloc's messages");
        }
        return new StandaloneCma(log, System::nanoTime);
    }

    /**
     * Declares and activates an area of {@code count} pages at {@code basePfn}; the pages must be
     * reserved in {@code pages} (never handed to it as free memory) and lie in one zone.
     *
     * @throws IllegalArgumentException for an empty or unaligned range (base and size must be
     *     multiples of a pageblock, the size a multiple of 2^orderPerBit pages), a name already
     *     used, or a range that is not in one zone of {@code pages}; nothing changes then
     */
    public StandaloneCma activate(PageAllocator pages, String name, long basePfn, long count, int orderPerBit) {
        if (count <= 0 || basePfn < 0 || ((basePfn | count) & (Page.PAGEBLOCK_NR_PAGES - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                "cma area %s: base_pfn %#x count %d: base and size must be non-empty multiples of a pageblock"
                    + " (%d pages), as cma_init_reserved_mem requires", name, basePfn, count, Page.PAGEBLOCK_NR_PAGES));
        }
        if (orderPerBit < 0 || orderPerBit > Page.PAGEBLOCK_ORDER) {
            throw new IllegalArgumentException(String.format(
                "cma area %s: order_per_bit %d: must be 0..%d (a bit may cover at most a pageblock here)", name,
                orderPerBit, Page.PAGEBLOCK_ORDER));
        }
        if (registry.byName(name).isPresent()) {
            throw new IllegalArgumentException("cma area " + name + ": the name is already used");
        }
        Optional<ZoneType> zone = pages.zoneOf(basePfn);
        for (long pfn = basePfn; pfn < basePfn + count; pfn += Page.PAGEBLOCK_NR_PAGES) {
            Optional<ZoneType> z = pages.zoneOf(pfn);
            Optional<ZoneType> last = pages.zoneOf(pfn + Page.PAGEBLOCK_NR_PAGES - 1);
            if (zone.isEmpty() || !z.equals(zone) || !last.equals(zone)) {
                throw new IllegalArgumentException(String.format(
                    "cma area %s: [%#x, %#x): all pages must be present and in one zone (cma_activate_area)", name,
                    basePfn, basePfn + count));
            }
        }
        Cma cma = new Cma(name, basePfn, count, orderPerBit, registry.globals());
        for (long pfn = basePfn; pfn < basePfn + count; pfn += Page.PAGEBLOCK_NR_PAGES) {
            pages.initCmaReservedPageblock(pfn);
        }
        cma.activate(pages);
        registry.add(cma);
        if (registry.defaultArea().isEmpty()) {
            registry.setDefault(cma);
        }
        return this;
    }

    /** The areas declared so far, in order; the first one is the default area. */
    public CmaAreas areas() {
        return registry;
    }
}
