package org.dmasim.cma;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.NodeLayout;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.Kconfig;
import org.osgi.service.component.annotations.Component;

/**
 * CMA's part in boot: the {@code shared-dma-pool} reusable handler ({@code rmem_cma_setup}),
 * the default area ({@code dma_contiguous_reserve} → {@code cma_declare_contiguous_nid}) and
 * activation ({@code cma_init_reserved_areas}). Needs CONFIG_CMA and CONFIG_DMA_CMA.
 *
 * <p>For run time it publishes the platform's {@link CmaAreas} on the boot blackboard: every
 * activated area allocates through the platform's {@link PageAllocator}. A device-tree area is
 * found by its {@code /reserved-memory} node name ({@link CmaAreas#byName}), and it is also
 * the {@link ReservedMem#owner()} of the region it claimed, which is what a {@code memory-region}
 * phandle leads to.
 */
@Component(service = {BootParticipant.class, ReservedMemHandler.class},
    property = BootParticipant.BACKEND_PROPERTY + "=cma")
public final class CmaBoot implements BootParticipant, ReservedMemHandler {
    /** CMA_MIN_ALIGNMENT_BYTES: a pageblock. */
    static final long CMA_MIN_ALIGNMENT_BYTES = Page.PAGEBLOCK_NR_PAGES * Page.PAGE_SIZE;
    static final long SZ_4G = 1L << 32;
    private static final String CMA = "cma: ";

    @Override
    public String name() {
        return "cma";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.RESERVED_MEM, BootPhase.CONTIGUOUS, BootPhase.CMA_ACTIVATE);
    }

    @Override
    public int rank(BootPhase phase) {
        return -10;
    }

    @Override
    public String compatible() {
        return "shared-dma-pool";
    }

    @Override
    public int rank() {
        return 10;
    }

    private static boolean enabled(Kconfig k) {
        return k.enabled("CMA") && k.enabled("DMA_CMA");
    }

    /** The per-platform registry, created on first use and published for later phases. */
    private static CmaRegistry registry(BootContext ctx) {
        Optional<CmaAreas> r = ctx.get(CmaAreas.class);
        if (r.isPresent()) {
            return (CmaRegistry) r.get();
        }
        int max = 1 + (int) ctx.spec().kconfig().number("CMA_AREAS");
        CmaRegistry reg = new CmaRegistry(max, new CmaGlobals(ctx.log()));
        ctx.put(CmaAreas.class, reg);
        return reg;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        Kconfig k = ctx.spec().kconfig();
        if (!enabled(k)) {
            return;
        }
        switch (phase) {
            case RESERVED_MEM -> {
                CmaCmdline.parse(ctx.spec().cmdline());
                registry(ctx);
            }
            case CONTIGUOUS -> contiguousReserve(ctx);
            case CMA_ACTIVATE -> activate(ctx);
            default -> {
            }
        }
    }

    /** {@code rmem_cma_setup}. */
    @Override
    public int init(ReservedMem rmem, BootContext ctx) {
        if (!enabled(ctx.spec().kconfig())) {
            return -Errno.ENOENT;
        }
        boolean defaultCma = rmem.node().has("linux,cma-default");
        if (CmaCmdline.parse(ctx.spec().cmdline()).isPresent() && defaultCma) {
            ctx.log().info("Reserved memory: bypass " + rmem.name() + " node, using cmdline CMA params instead");
            return -Errno.EBUSY;
        }
        if (!rmem.node().has("reusable") || rmem.node().has("no-map")) {
            return -Errno.EINVAL;
        }
        if (((rmem.base() | rmem.size()) & (CMA_MIN_ALIGNMENT_BYTES - 1)) != 0) {
            ctx.log().err("Reserved memory: incorrect alignment of CMA region");
            return -Errno.EINVAL;
        }
        CmaRegistry reg = registry(ctx);
        int err = initReservedMem(reg, ctx, rmem.base(), rmem.size(), 0, rmem.name());
        if (err != 0) {
            ctx.log().err("Reserved memory: unable to setup CMA region");
            return err;
        }
        Cma cma = reg.all().get(reg.all().size() - 1);
        if (defaultCma) {
            reg.setDefault(cma);
        }
        rmem.claim(compatible(), cma);
        ctx.log().info(String.format("Reserved memory: created CMA memory pool at 0x%016x, size %d MiB",
            rmem.base(), rmem.size() >>> 20));
        return 0;
    }

    /** {@code cma_init_reserved_mem}. */
    private static int initReservedMem(CmaRegistry reg, BootContext ctx, long base, long size, int orderPerBit,
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

    /** {@code dma_contiguous_reserve(limit)}: cmdline over DT over Kconfig. */
    private void contiguousReserve(BootContext ctx) {
        CmaRegistry reg = registry(ctx);
        ZoneLimits limits = ctx.require(ZoneLimits.class);
        long limit = limits.contiguousLimit();
        Optional<CmaCmdline> cmd = CmaCmdline.parse(ctx.spec().cmdline());
        long size;
        long base = 0;
        boolean fixed = false;
        if (cmd.isPresent()) {
            size = cmd.get().size();
            base = cmd.get().base();
            limit = minNotZero(cmd.get().limit(), limit);
            fixed = cmd.get().fixed();
        } else {
            size = kconfigSize(ctx);
        }
        if (size == 0 || reg.defaultArea().isPresent()) {
            return;
        }
        Cma cma = declareContiguous(reg, ctx, base, size, limit, 0, 0, fixed, "reserved");
        if (cma != null) {
            reg.setDefault(cma);
        }
    }

    private static long minNotZero(long a, long b) {
        if (a == 0) {
            return b;
        }
        if (b == 0) {
            return a;
        }
        return Long.compareUnsigned(a, b) < 0 ? a : b;
    }

    /** CONFIG_CMA_SIZE_SEL_*: megabytes, percentage of memblock memory, or their min/max. */
    static long kconfigSize(BootContext ctx) {
        Kconfig k = ctx.spec().kconfig();
        long mbytes = k.number("CMA_SIZE_MBYTES") << 20;
        long pages = Page.pfnDown(ctx.memblock().physMemSize());
        long percent = (pages * k.number("CMA_SIZE_PERCENTAGE") / 100) << Page.PAGE_SHIFT;
        if (k.enabled("CMA_SIZE_SEL_PERCENTAGE")) {
            return percent;
        }
        if (k.enabled("CMA_SIZE_SEL_MIN")) {
            return Math.min(mbytes, percent);
        }
        if (k.enabled("CMA_SIZE_SEL_MAX")) {
            return Math.max(mbytes, percent);
        }
        return mbytes;
    }

    /** {@code cma_declare_contiguous_nid}, 6.1 order (bottom-up from 4 GiB first). */
    static Cma declareContiguous(CmaRegistry reg, BootContext ctx, long base, long size, long limit, long alignment,
        int orderPerBit, boolean fixed, String name) {
        BootLog log = ctx.log();
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
            log.err(String.format("%sFailed to reserve %d MiB", CMA, size >>> 20));
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
            log.err(String.format("%sFailed to reserve %d MiB", CMA, size >>> 20));
            return null;
        }
        if (limit == 0 || Long.compareUnsigned(limit, memblockEnd) > 0) {
            limit = memblockEnd;
        }
        if (Long.compareUnsigned(base + size, limit) > 0) {
            log.err(String.format("%sSize (0x%016x) of region at 0x%016x exceeds limit (0x%016x)", CMA, size, base,
                limit));
            log.err(String.format("%sFailed to reserve %d MiB", CMA, size >>> 20));
            return null;
        }
        if (fixed) {
            if (mb.isRegionReserved(base, size)) {
                log.err(String.format("%sFailed to reserve %d MiB", CMA, size >>> 20));
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
                    log.err(String.format("%sFailed to reserve %d MiB", CMA, size >>> 20));
                    return null;
                }
            }
            base = addr;
        }
        int err = initReservedMem(reg, ctx, base, size, orderPerBit, name);
        if (err != 0) {
            mb.free(base, size);
            log.err(String.format("%sFailed to reserve %d MiB", CMA, size >>> 20));
            return null;
        }
        log.info(String.format("%sReserved %d MiB at 0x%016x", CMA, size >>> 20, base));
        return reg.all().get(reg.all().size() - 1);
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
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

    /** {@code cma_activate_area} for every area: one zone only, else the pages go back to buddy. */
    private void activate(BootContext ctx) {
        CmaRegistry reg = registry(ctx);
        NodeLayout layout = ctx.require(NodeLayout.class);
        PageAllocator buddy = ctx.require(PageAllocator.class);
        for (Cma cma : reg.all()) {
            long base = cma.basePfn();
            long end = base + cma.count();
            Optional<NodeLayout.ZoneSpan> zone = layout.zoneOf(base);
            boolean oneZone = zone.isPresent() && zone.get().contains(end - 1);
            long ramPages = ramPages(ctx, base, end);
            if (!oneZone || ramPages != end - base) {
                // out_error: the pages go back to the buddy allocator; only RAM has pages to give.
                forEachRamRange(ctx, base, end, buddy::freeBootMemory);
                cma.drop();
                ctx.log().err(CMA + "CMA area " + cma.name() + " could not be activated");
                if (ramPages != end - base) {
                    ctx.log().dmasim(String.format("CMA area %s [mem %#018x-%#018x] is not all RAM: Linux 6.1 warns"
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
}
