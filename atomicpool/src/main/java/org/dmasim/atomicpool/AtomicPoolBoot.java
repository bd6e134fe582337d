package org.dmasim.atomicpool;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Memparse;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.api.pool.AtomicPools;
import org.osgi.service.component.annotations.Component;

/**
 * {@code dma_atomic_pool_init()} (kernel/dma/pool.c, 6.1), postcore_initcall.
 *
 * <p>Size: {@code coherent_pool=} or 128 KiB per GiB of {@code totalram_pages()}, at least
 * 128 KiB, at most MAX_ORDER_NR_PAGES pages. Each pool is one chunk of
 * {@code order = min(get_order(size), MAX_ORDER - 1)} (6.12: {@code MAX_PAGE_ORDER}, the same
 * order; the platform's {@link MmRules}), so what is printed is the size rounded up
 * to a power of two. Pools, in order: kernel (always), DMA (when ZONE_DMA has managed pages),
 * DMA32 (whenever ZONE_DMA32 is configured, even empty). A chunk comes from the default CMA area
 * when that area lies inside the pool's zone ({@code cma_in_zone}), else from the buddy
 * allocator with the pool's GFP; on failure smaller orders are tried ({@link PoolExpander}).
 * A pool whose chunk cannot be had is left out with the kernel's error line.
 *
 * <p>Publishes {@link AtomicPools} (the pools, their worker and debugfs) for run time. It needs
 * the arch backend's {@link ArchDma} (remap or not, pgprot, cache clean) and the platform's
 * {@link KernelVm} (the chunks' CPU addresses), both published from MEMBLOCK on.
 */
@Component(service = BootParticipant.class, property = BootParticipant.BACKEND_PROPERTY + "=atomicpool")
public final class AtomicPoolBoot implements BootParticipant {
    static final long SZ_128K = 128L << 10;

    @Override
    public String name() {
        return "atomicpool";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.ATOMIC_POOLS);
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        if (!ctx.spec().kconfig().enabled("DMA_COHERENT_POOL")) {
            return;
        }
        Optional<CmaArea> defaultCma = ctx.get(CmaAreas.class).flatMap(CmaAreas::defaultArea);
        ctx.put(AtomicPools.class, init(ctx.spec(), ctx.log(), ctx.require(PageAllocator.class),
            ctx.require(MmRules.class), ctx.require(ZoneLimits.class), defaultCma, ctx.require(ArchDma.class),
            ctx.require(KernelVm.class)));
    }

    /**
     * The pools the boot made serve the platform as this bundle's {@link AtomicPools}; on a
     * running platform (a new instance) {@code dma_atomic_pool_init} runs again, with the page
     * allocator and the CMA area of the moment, and prints its lines at that point of the log.
     * Released, an instance stops its worker and gives its chunks back ({@link AtomicPoolsImpl#release}).
     */
    @Override
    public void start(RuntimeContext rt) {
        if (!rt.spec().kconfig().enabled("DMA_COHERENT_POOL")) {
            return;
        }
        AtomicPoolsImpl pools;
        if (rt.late()) {
            Optional<CmaArea> defaultCma = rt.services().active(CmaAreas.class)
                .flatMap(s -> s.service().defaultArea());
            pools = init(rt.spec(), rt.log(), rt.require(PageAllocator.class), rt.require(MmRules.class),
                rt.require(ZoneLimits.class), defaultCma, rt.require(ArchDma.class), rt.require(KernelVm.class));
        } else {
            pools = (AtomicPoolsImpl) rt.get(AtomicPools.class).orElse(null);
            if (pools == null) {
                return;
            }
        }
        AtomicPoolsImpl serving = pools;
        rt.offer(AtomicPools.class, pools, rt.newInstance(pools.description(), serving::release));
    }

    /** A new set of pools can be made on a running platform: the old ones drain. */
    @Override
    public boolean startsLate() {
        return true;
    }

    /** {@code dma_atomic_pool_init()}: the three pools, each with one chunk. */
    static AtomicPoolsImpl init(PlatformSpec spec, BootLog log, PageAllocator buddy, MmRules mm, ZoneLimits limits,
        Optional<CmaArea> defaultCma, ArchDma arch, KernelVm vm) {
        long size = poolSize(spec, buddy.totalRamPages(), mm.maxOrderNrPages());
        int cmaAlignment = (int) spec.kconfig().number("CMA_ALIGNMENT");
        PoolExpander expander = new PoolExpander(buddy, mm.maxPageOrder(), defaultCma, limits, cmaAlignment, arch, vm);

        AtomicPool kernel = create(log, mm, expander, "kernel", size, Gfp.GFP_KERNEL);
        AtomicPool dma = null;
        boolean managedDma = limits.configured(ZoneType.DMA)
            && buddy.zones().stream().anyMatch(z -> z.name.equals(ZoneType.DMA.kernelName()) && z.managed > 0);
        if (managedDma) {
            dma = create(log, mm, expander, "dma", size, Gfp.GFP_KERNEL | Gfp.GFP_DMA);
        }
        AtomicPool dma32 = null;
        boolean zoneDma32 = limits.configured(ZoneType.DMA32);
        if (zoneDma32) {
            dma32 = create(log, mm, expander, "dma32", size, Gfp.GFP_KERNEL | Gfp.GFP_DMA32);
        }
        return new AtomicPoolsImpl(spec.name(), size, kernel, dma, dma32, zoneDma32, expander, vm, log);
    }

    /** {@code __dma_atomic_pool_init(pool_size, gfp)}: the pool with one chunk, or null. */
    private static AtomicPool create(BootLog log, MmRules mm, PoolExpander expander, String name, long poolSize,
        int gfp) {
        AtomicPool pool = new AtomicPool(name, gfp, Page.PAGE_SHIFT);
        String gfpName = mm.formatGfp(gfp);
        if (!expander.expand(pool, poolSize)) {
            log.err(String.format("DMA: failed to allocate %d KiB %s pool for atomic allocation",
                poolSize >>> 10, gfpName));
            return null;
        }
        log.info(String.format("DMA: preallocated %d KiB %s pool for atomic allocations",
            pool.gen().size() >>> 10, gfpName));
        return pool;
    }

    static long poolSize(PlatformSpec spec, long totalRamPages, long maxOrderNrPages) {
        Optional<String> param = spec.cmdline().value("coherent_pool");
        if (param.isPresent()) {
            long v = Memparse.parseSize("coherent_pool", param.get());
            if (v == 0) {
                throw new InvalidInputException("coherent_pool=" + param.get() + ": a zero-sized pool cannot hold"
                    + " any allocation (Linux would then fail every atomic non-coherent allocation)");
            }
            return v;
        }
        long pages = totalRamPages / ((1L << 30) / SZ_128K);
        pages = Math.min(pages, maxOrderNrPages);
        return Math.max(pages << Page.PAGE_SHIFT, SZ_128K);
    }
}
