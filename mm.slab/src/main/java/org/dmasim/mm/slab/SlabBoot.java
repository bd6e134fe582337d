package org.dmasim.mm.slab;

import java.util.EnumSet;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.slab.Kmalloc;
import org.osgi.service.component.annotations.Component;

/**
 * {@code kmem_cache_init()} from {@code mm_init()}, right after {@code memblock_free_all()}
 * handed memory to the page allocator: creates the kmalloc caches and publishes the platform's
 * {@link Kmalloc}. Nothing is allocated at boot (a cache takes its first slab at its first
 * kmalloc), so the boot's page counts and {@code /proc} views do not change.
 *
 * <p>The minimum alignment is ARCH_KMALLOC_MINALIGN, from the architecture's
 * ARCH_DMA_MINALIGN ({@link KmallocIndex#archKmallocMinalign}); the dma-kmalloc caches exist when
 * ZONE_DMA is configured; SLUB_DEBUG_ON comes from Kconfig.
 */
@Component(service = BootParticipant.class, property = BootParticipant.BACKEND_PROPERTY + "=" + SlabBoot.NAME)
public final class SlabBoot implements BootParticipant {
    static final String NAME = "mm.slab";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.FREE_ALL);
    }

    /** After mm.buddy's memblock_free_all (rank 0). */
    @Override
    public int rank(BootPhase phase) {
        return 10;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        ZoneLimits limits = ctx.require(ZoneLimits.class);
        ctx.put(Kmalloc.class, new KmallocCaches(ctx.require(PageAllocator.class), ctx.require(KernelVm.class),
            ctx.log(), KmallocIndex.archKmallocMinalign(ctx.require(ArchDma.class).cacheAlignment()), limits.configured(ZoneType.DMA),
            ctx.spec().possibleCpus(), ctx.spec().kconfig().enabled("SLUB_DEBUG_ON"), ctx.require(MmRules.class)::formatGfp));
    }

    /** The kmalloc caches the boot made serve the platform at run time, as this bundle's service. */
    @Override
    public void start(RuntimeContext ctx) {
        ctx.get(Kmalloc.class).ifPresent(kmalloc -> ctx.offer(Kmalloc.class, kmalloc,
            ctx.newInstance("the kmalloc caches", () -> { })));
    }
}
