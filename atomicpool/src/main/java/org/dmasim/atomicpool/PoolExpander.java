package org.dmasim.atomicpool;

import java.util.Optional;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;

/**
 * {@code atomic_pool_expand()} and {@code cma_in_zone()} of {@code kernel/dma/pool.c} (6.1):
 * how one chunk is obtained, prepared and added to a pool, both at boot and in the worker.
 *
 * <p>The chunk has {@code order = min(get_order(size), MAX_ORDER - 1)} (6.12:
 * {@code MAX_PAGE_ORDER}: the same order 10). For each order from
 * there down to 0: if the default CMA area lies inside the pool's zone, {@code
 * dma_alloc_from_contiguous(NULL, 1 << order, order, false)} (the alignment clamped to
 * CONFIG_CMA_ALIGNMENT); otherwise, or when CMA fails, {@code alloc_pages(gfp | __GFP_NOWARN,
 * order)} (the __GFP_NOWARN is a late fix, "no need to issue a warning if an attempted
 * allocation fails", that the stable trees took; the oracle kernel 6.1.192 has it). The pages are cleaned to the
 * point of coherency ({@code arch_dma_prep_coherent}) because the pool's CPU alias may be
 * non-cacheable; with CONFIG_DMA_DIRECT_REMAP the chunk's CPU address is a vmap alias with
 * {@code pgprot_dmacoherent(PAGE_KERNEL)} (arm64: Normal-NC), else its linear-map address.
 * Memory encryption ({@code set_memory_decrypted}) is not simulated: no simulated platform is
 * an encrypted guest.
 */
final class PoolExpander {
    /** What {@code dma_common_contiguous_remap} records as the vmap caller. */
    static final String REMAP_CALLER = "dma_common_contiguous_remap";

    private final PageAllocator buddy;
    private final int maxPageOrder;
    private final Optional<CmaArea> defaultCma;
    private final ZoneLimits limits;
    private final int cmaAlignment;
    private final ArchDma arch;
    private final KernelVm vm;

    PoolExpander(PageAllocator buddy, int maxPageOrder, Optional<CmaArea> defaultCma, ZoneLimits limits,
        int cmaAlignment, ArchDma arch, KernelVm vm) {
        this.buddy = buddy;
        this.maxPageOrder = maxPageOrder;
        this.defaultCma = defaultCma;
        this.limits = limits;
        this.cmaAlignment = cmaAlignment;
        this.arch = arch;
        this.vm = vm;
    }

    /**
     * {@code atomic_pool_expand(pool, pool_size, gfp)}: adds one chunk of at most
     * {@code poolSize} rounded up to a power of two pages.
     *
     * @return whether a chunk was added (the kernel's 0 / -ENOMEM)
     */
    boolean expand(AtomicPool pool, long poolSize) {
        int gfp = pool.gfp();
        int order = Math.min(Page.getOrder(poolSize), maxPageOrder);
        long pfn = PageAllocator.NO_PAGE;
        AtomicPool.Source source = null;
        while (true) {
            if (cmaInZone(gfp)) {
                // dma_alloc_from_contiguous clamps the alignment to CONFIG_CMA_ALIGNMENT.
                pfn = defaultCma.get().alloc(1L << order, Math.min(order, cmaAlignment), false);
                source = AtomicPool.Source.CMA;
            }
            if (pfn < 0) {
                pfn = buddy.allocPages(gfp | Gfp.__GFP_NOWARN, order);
                source = AtomicPool.Source.BUDDY;
            }
            if (pfn >= 0 || order == 0) {
                break;
            }
            order--;
        }
        if (pfn < 0) {
            return false;
        }
        long size = Page.PAGE_SIZE << order;
        long phys = Page.pfnPhys(pfn);
        arch.prepCoherent(phys, size);
        long addr;
        if (arch.directRemap()) {
            MemAttr prot = arch.coherentPgprot(false, 0);
            addr = vm.vmap(phys, size, prot, REMAP_CALLER);
        } else {
            addr = vm.linearAddress(phys);
        }
        pool.addChunk(addr, phys, size, source);
        return true;
    }

    /**
     * {@code cma_in_zone(gfp)}: the default CMA area exists, has pages, and ends inside the
     * zone the GFP names (ZONE_DMA: {@code DMA_BIT_MASK(zone_dma_bits)}, 6.12 {@code zone_dma_limit};
     * ZONE_DMA32: 4 GiB - 1;
     * the kernel pool takes any area, CMA never straddling a zone boundary).
     */
    boolean cmaInZone(int gfp) {
        if (defaultCma.isEmpty()) {
            return false;
        }
        CmaArea cma = defaultCma.get();
        long size = cma.count() << Page.PAGE_SHIFT;
        if (size == 0) {
            return false;
        }
        long end = Page.pfnPhys(cma.basePfn()) + size - 1;
        if (limits.configured(ZoneType.DMA) && (gfp & Gfp.GFP_DMA) != 0) {
            return Long.compareUnsigned(end, limits.zoneDmaLimit()) <= 0;
        }
        if (limits.configured(ZoneType.DMA32) && (gfp & Gfp.GFP_DMA32) != 0) {
            return Long.compareUnsigned(end, 0xffffffffL) <= 0;
        }
        return true;
    }

    /**
     * Gives a chunk's pages back to where {@link #expand} took them: its alias unmapped, the
     * pages to the CMA area or the buddy allocator. The kernel never shrinks the pools; dmasim
     * does this only for a released instance (a replaced or stopped atomicpool backend).
     */
    void giveBack(AtomicPool.ChunkRecord c) {
        if (vm.isVmalloc(c.virt())) {
            vm.vunmap(c.virt());
        }
        long pfn = Page.pfnDown(c.phys());
        long pages = c.size() >>> Page.PAGE_SHIFT;
        if (c.source() == AtomicPool.Source.CMA && defaultCma.isPresent() && defaultCma.get().release(pfn, pages)) {
            return;
        }
        buddy.freePages(pfn, Page.getOrder(c.size()));
    }
}
