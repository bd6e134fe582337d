package org.dmasim.atomicpool;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.NodeLayout;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Memparse;
import org.osgi.service.component.annotations.Component;

/**
 * {@code dma_atomic_pool_init()} (kernel/dma/pool.c, 6.1), postcore_initcall.
 *
 * <p>Size: {@code coherent_pool=} or 128 KiB per GiB of {@code totalram_pages()}, at least
 * 128 KiB, at most MAX_ORDER_NR_PAGES pages. Each pool is one chunk of
 * {@code order = min(get_order(size), MAX_ORDER - 1)}, so what is printed is the size rounded up
 * to a power of two. Pools, in order: kernel (always), DMA (when ZONE_DMA has managed pages),
 * DMA32 (whenever ZONE_DMA32 is configured, even empty). A chunk comes from the default CMA area
 * when that area lies inside the pool's zone ({@code cma_in_zone}), else from the buddy
 * allocator with the pool's GFP; on failure smaller orders are tried.
 */
@Component(service = BootParticipant.class, property = BootParticipant.BACKEND_PROPERTY + "=atomicpool")
public final class AtomicPoolBoot implements BootParticipant {
    static final long SZ_128K = 128L << 10;

    /** One preallocated pool as boot left it. */
    public record Pool(String gfpName, int gfp, long phys, long size, String source) {
    }

    /** The pools of a platform, published for run time. */
    public record AtomicPools(long atomicPoolSize, List<Pool> pools) {
    }

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
        PageAllocator buddy = ctx.require(PageAllocator.class);
        long size = poolSize(ctx, buddy.totalRamPages());
        ZoneLimits limits = ctx.require(ZoneLimits.class);
        NodeLayout layout = ctx.require(NodeLayout.class);
        List<Pool> pools = new ArrayList<>();
        expand(ctx, pools, size, Gfp.GFP_KERNEL);
        boolean managedDma = limits.configured(ZoneType.DMA)
            && buddy.zones().stream().anyMatch(z -> z.name.equals("DMA") && z.managed > 0);
        if (managedDma) {
            expand(ctx, pools, size, Gfp.GFP_KERNEL | Gfp.GFP_DMA);
        }
        if (limits.configured(ZoneType.DMA32)) {
            expand(ctx, pools, size, Gfp.GFP_KERNEL | Gfp.GFP_DMA32);
        }
        ctx.put(AtomicPools.class, new AtomicPools(size, List.copyOf(pools)));
    }

    static long poolSize(BootContext ctx, long totalRamPages) {
        Optional<String> param = ctx.spec().cmdline().value("coherent_pool");
        if (param.isPresent()) {
            long v = Memparse.parseSize("coherent_pool", param.get());
            if (v == 0) {
                throw new InvalidInputException("coherent_pool=" + param.get() + ": a zero-sized pool cannot hold"
                    + " any allocation (Linux 6.1 would then fail every atomic non-coherent allocation)");
            }
            return v;
        }
        long pages = totalRamPages / ((1L << 30) / SZ_128K);
        pages = Math.min(pages, Page.MAX_ORDER_NR_PAGES);
        return Math.max(pages << Page.PAGE_SHIFT, SZ_128K);
    }

    /** {@code __dma_atomic_pool_init} + {@code atomic_pool_expand}. */
    private static void expand(BootContext ctx, List<Pool> pools, long poolSize, int gfp) {
        int order = Math.min(Page.getOrder(poolSize), Page.MAX_ORDER - 1);
        long pfn = -1;
        String source = null;
        PageAllocator buddy = ctx.require(PageAllocator.class);
        while (true) {
            if (cmaInZone(ctx, gfp)) {
                CmaArea cma = ctx.require(CmaAreas.class).defaultArea().get();
                int align = (int) Math.min(order, ctx.spec().kconfig().number("CMA_ALIGNMENT"));
                pfn = cma.alloc(1L << order, align, true);
                source = "cma";
            }
            if (pfn < 0) {
                pfn = buddy.allocPages(gfp | Gfp.__GFP_NOWARN, order);
                source = "buddy";
            }
            if (pfn >= 0 || order == 0) {
                break;
            }
            order--;
        }
        String name = Gfp.format(gfp);
        if (pfn < 0) {
            ctx.log().err(String.format("DMA: failed to allocate %d KiB %s pool for atomic allocation",
                poolSize >>> 10, name));
            return;
        }
        long size = Page.PAGE_SIZE << order;
        pools.add(new Pool(name, gfp, Page.pfnPhys(pfn), size, source));
        ctx.log().info(String.format("DMA: preallocated %d KiB %s pool for atomic allocations", size >>> 10, name));
    }

    /** {@code cma_in_zone()}: the default area lies below the pool zone's limit. */
    static boolean cmaInZone(BootContext ctx, int gfp) {
        Optional<CmaAreas> areas = ctx.get(CmaAreas.class);
        if (areas.isEmpty() || areas.get().defaultArea().isEmpty()) {
            return false;
        }
        CmaArea cma = areas.get().defaultArea().get();
        long size = cma.count() << Page.PAGE_SHIFT;
        if (size == 0) {
            return false;
        }
        long end = Page.pfnPhys(cma.basePfn()) + size - 1;
        ZoneLimits limits = ctx.require(ZoneLimits.class);
        if (limits.configured(ZoneType.DMA) && (gfp & Gfp.GFP_DMA) != 0) {
            int bits = limits.zoneDmaBits();
            return Long.compareUnsigned(end, (1L << bits) - 1) <= 0;
        }
        if (limits.configured(ZoneType.DMA32) && (gfp & Gfp.GFP_DMA32) != 0) {
            return Long.compareUnsigned(end, 0xffffffffL) <= 0;
        }
        return true;
    }
}
