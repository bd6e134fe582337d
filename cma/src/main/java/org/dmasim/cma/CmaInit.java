package org.dmasim.cma;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.NodeLayout;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;

/**
 * The boot half of {@code mm/cma.c} (6.1; 6.12 names the node in its two lines, {@link CmaKernel}): declaring areas on memblock
 * ({@code cma_declare_contiguous_nid}, {@code cma_init_reserved_mem}) and handing them to the
 * page allocator at core_initcall time ({@code cma_init_reserved_areas}). Who asks for an area
 * and how big it is, is {@link Contiguous}'s business; the run-time half is {@link Cma}.
 *
 * <p>Placement ({@code cma_declare_contiguous_nid}): size and base are rounded up to the
 * alignment (at least a pageblock), the limit down; a fixed area must be aligned, must not
 * straddle the low/high memory boundary and must be free in memblock; otherwise the area is
 * allocated bottom-up from 4 GiB first when memory reaches that high (6.1 keeps CMA out of the
 * low 4 GiB where it can), then top-down below the limit.
 */
final class CmaInit {
    /** CMA_MIN_ALIGNMENT_BYTES: a pageblock. */
    static final long CMA_MIN_ALIGNMENT_BYTES = Page.PAGEBLOCK_NR_PAGES * Page.PAGE_SIZE;
    static final long SZ_4G = 1L << 32;
    private static final String CMA = "cma: ";

    private CmaInit() {
    }

    /** {@code cma_init_reserved_mem}: an area over memory memblock already holds reserved. */
    static int initReservedMem(CmaRegistry reg, BootContext ctx, long base, long size, int orderPerBit,
        String name) {
        if (reg.full()) {
            ctx.log().err(CMA + "Not enough slots for CMA reserved regions!");
            return -Errno.ENOSPC;
        }
        if (size == 0 || !ctx.memblock().isRegionReserved(base, size)) {
            return -Errno.EINVAL;
        }
        if (((base | size) & (CMA_MIN_ALIGNMENT_BYTES - 1)) != 0) {
            return -Errno.EINVAL;
        }
        reg.add(new Cma(name, Page.pfnDown(base), size >>> Page.PAGE_SHIFT, orderPerBit, reg.globals()));
        return 0;
    }

    /** {@code cma_declare_contiguous_nid}, 6.1 order (bottom-up from 4 GiB first); null on failure. */
    static Cma declareContiguous(CmaRegistry reg, BootContext ctx, long base, long size, long limit, long alignment,
        int orderPerBit, boolean fixed, String name) {
        BootLog log = ctx.log();
        String node = CmaKernel.of(ctx.spec().kernel()).onNode();
        Memblock mb = ctx.memblock();
        long memblockEnd = mb.endOfDram();
        long highmemStart = memblockEnd;
        if (reg.full()) {
            log.err(CMA + "Not enough slots for CMA reserved regions!");
            return null;
        }
        if (size == 0) {
            return null;
        }
        if (alignment != 0 && Long.bitCount(alignment) != 1) {
            return null;
        }
        alignment = Math.max(alignment, CMA_MIN_ALIGNMENT_BYTES);
        if (fixed && (base & (alignment - 1)) != 0) {
            log.err(String.format("%sRegion at 0x%016x must be aligned to 0x%016x bytes", CMA, base, alignment));
            log.err(String.format("%sFailed to reserve %d MiB%s", CMA, size >>> 20, node));
            return null;
        }
        base = align(base, alignment);
        size = align(size, alignment);
        limit &= ~(alignment - 1);
        if (base == 0) {
            fixed = false;
        }
        if (((size >>> Page.PAGE_SHIFT) & ((1L << orderPerBit) - 1)) != 0) {
            return null;
        }
        if (fixed && Long.compareUnsigned(base, highmemStart) < 0
            && Long.compareUnsigned(base + size, highmemStart) > 0) {
            log.err(String.format("%sRegion at 0x%016x defined on low/high memory boundary (0x%016x)", CMA, base,
                highmemStart));
            log.err(String.format("%sFailed to reserve %d MiB%s", CMA, size >>> 20, node));
            return null;
        }
        if (limit == 0 || Long.compareUnsigned(limit, memblockEnd) > 0) {
            limit = memblockEnd;
        }
        if (Long.compareUnsigned(base + size, limit) > 0) {
            log.err(String.format("%sSize (0x%016x) of region at 0x%016x exceeds limit (0x%016x)", CMA, size, base,
                limit));
            log.err(String.format("%sFailed to reserve %d MiB%s", CMA, size >>> 20, node));
            return null;
        }
        if (fixed) {
            if (mb.isRegionReserved(base, size)) {
                log.err(String.format("%sFailed to reserve %d MiB%s", CMA, size >>> 20, node));
                return null;
            }
            mb.reserve(base, size);
        } else {
            long addr = 0;
            if (!mb.bottomUp() && Long.compareUnsigned(memblockEnd, SZ_4G + size) >= 0) {
                mb.setBottomUp(true);
                addr = mb.allocRange(size, alignment, SZ_4G, limit);
                mb.setBottomUp(false);
            }
            if (addr == 0) {
                addr = mb.allocRange(size, alignment, base, limit);
                if (addr == 0) {
                    log.err(String.format("%sFailed to reserve %d MiB%s", CMA, size >>> 20, node));
                    return null;
                }
            }
            base = addr;
        }
        int err = initReservedMem(reg, ctx, base, size, orderPerBit, name);
        if (err != 0) {
            mb.free(base, size);
            log.err(String.format("%sFailed to reserve %d MiB%s", CMA, size >>> 20, node));
            return null;
        }
        log.info(String.format("%sReserved %d MiB at 0x%016x%s", CMA, size >>> 20, base, node));
        return reg.all().get(reg.all().size() - 1);
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    /**
     * {@code cma_init_reserved_areas()} → {@code cma_activate_area} for every area: each
     * pageblock becomes MIGRATE_CMA in the page allocator; an area that spans two zones, or that
     * is not all RAM (a fixed {@code cma=} or reserved-memory area over a hole), cannot be
     * activated and its RAM pages go back to the allocator as ordinary memory.
     */
    static void initReservedAreas(CmaRegistry reg, BootContext ctx) {
        NodeLayout layout = ctx.require(NodeLayout.class);
        PageAllocator buddy = ctx.require(PageAllocator.class);
        // The areas whose pages the page allocator has by now (activated or given back), by pfn.
        List<HandedOver> handedOver = new ArrayList<>();
        for (Cma cma : reg.all()) {
            long base = cma.basePfn();
            long end = base + cma.count();
            Optional<HandedOver> earlier = handedOver.stream().filter(o -> o.base() < end && base < o.end())
                .findFirst();
            if (earlier.isPresent()) {
                // Two reserved-memory areas on the same pages (the "OVERLAP DETECTED!" above): Linux
                // activates or gives back both, freeing the shared pages into its free lists twice.
                HandedOver o = earlier.get();
                ctx.log().dmasim(String.format("CMA area %s [mem %#018x-%#018x] overlaps CMA area %s"
                    + " [mem %#018x-%#018x], whose pages the page allocator already has: Linux %s would free them a second time and"
                    + " corrupt its free lists; dmasim leaves %s without pages and its memory reserved", cma.name(),
                    base << Page.PAGE_SHIFT, (end << Page.PAGE_SHIFT) - 1, o.name(), o.base() << Page.PAGE_SHIFT,
                    (o.end() << Page.PAGE_SHIFT) - 1, ctx.spec().kernel(), cma.name()));
                cma.drop();
                continue;
            }
            handedOver.add(new HandedOver(cma.name(), base, end));
            Optional<NodeLayout.ZoneSpan> zone = layout.zoneOf(base);
            boolean oneZone = zone.isPresent() && zone.get().contains(end - 1);
            long ramPages = ramPages(ctx, base, end);
            if (!oneZone || ramPages != end - base) {
                // out_error: the pages go back to the buddy allocator; only RAM has pages to give.
                forEachRamRange(ctx, base, end, buddy::freeBootMemory);
                cma.drop();
                ctx.log().err(CMA + "CMA area " + cma.name() + " could not be activated");
                if (ramPages != end - base) {
                    ctx.log().dmasim(String.format("CMA area %s [mem %#018x-%#018x] is not all RAM: Linux warns"
                        + " (pfn_valid) in cma_activate_area and may crash on its missing struct pages", cma.name(),
                        base << Page.PAGE_SHIFT, (end << Page.PAGE_SHIFT) - 1));
                }
                continue;
            }
            for (long pfn = base; pfn < end; pfn += Page.PAGEBLOCK_NR_PAGES) {
                buddy.initCmaReservedPageblock(pfn);
            }
            cma.activate(buddy);
        }
    }

    /** The pfns [base, end) of an area whose pages went to the page allocator, either way. */
    private record HandedOver(String name, long base, long end) {
    }

    /** The pages of [start, end) that memblock.memory holds. */
    private static long ramPages(BootContext ctx, long start, long end) {
        long[] pages = {0};
        forEachRamRange(ctx, start, end, (s, e) -> pages[0] += e - s);
        return pages[0];
    }

    /** Calls {@code action} with each pfn range of [start, end) that is RAM. */
    private static void forEachRamRange(BootContext ctx, long start, long end,
        java.util.function.BiConsumer<Long, Long> action) {
        for (Memblock.Region r : ctx.memblock().memory()) {
            long s = Math.max(start, Page.pfnUp(r.base()));
            long e = Math.min(end, Page.pfnDown(r.end()));
            if (s < e) {
                action.accept(s, e);
            }
        }
    }
}
