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
import org.dmasim.api.platform.KernelVersion;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.api.slab.Kmalloc;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.osgi.service.component.annotations.Component;

/**
 * {@code kmem_cache_init()} from {@code mm_init()}, right after {@code memblock_free_all()}
 * handed memory to the page allocator: creates the kmalloc caches and publishes the platform's
 * {@link Kmalloc}. Nothing is allocated at boot (a cache takes its first slab at its first
 * kmalloc), so the boot's page counts and {@code /proc} views do not change.
 *
 * <p>The minimum size and alignment are the kernel's ({@link SlabKernel}): from the
 * architecture's ARCH_DMA_MINALIGN in 6.1; in 6.12 from {@code dma_get_cache_alignment()}, or 8
 * when CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC is set and {@code mem_init()} allocated a swiotlb
 * (this participant runs after swiotlb's SWIOTLB_INIT). The dma-kmalloc caches exist when
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

    /** The kmalloc caches' alignment, types and creation order differ ({@link SlabKernel}). */
    @Override
    public Set<KernelVersion> kernels() {
        return SlabKernel.kernels();
    }

    /** After mm.buddy's memblock_free_all (rank 0). */
    @Override
    public int rank(BootPhase phase) {
        return 10;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        PlatformSpec spec = ctx.spec();
        SlabKernel kernel = SlabKernel.of(spec.kernel());
        ArchDma arch = ctx.require(ArchDma.class);
        int minSize = kernel.kmallocMinSize(arch);
        boolean swiotlbAllocated = ctx.get(SwiotlbPool.class).map(p -> p.nslabs() > 0).orElse(false);
        int minalign = kernel.kmallocMinalign(minSize, arch, spec.kconfig().enabled("DMA_BOUNCE_UNALIGNED_KMALLOC"),
            swiotlbAllocated);
        KmallocIndex index = new KmallocIndex(kernel, minSize, minalign,
            ctx.require(ZoneLimits.class).configured(ZoneType.DMA));
        ctx.put(Kmalloc.class, new KmallocCaches(ctx.require(PageAllocator.class), ctx.require(KernelVm.class),
            ctx.log(), kernel, index, spec.possibleCpus(), spec.kconfig().enabled("SLUB_DEBUG_ON"),
            ctx.require(MmRules.class)));
    }

    /** The kmalloc caches the boot made serve the platform at run time, as this bundle's service. */
    @Override
    public void start(RuntimeContext ctx) {
        ctx.get(Kmalloc.class).ifPresent(kmalloc -> ctx.offer(Kmalloc.class, kmalloc,
            ctx.newInstance("the kmalloc caches", () -> { })));
    }
}
