package org.dmasim.dma.core;

import java.util.Optional;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.RuntimeServices.Served;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaOps.Allocation;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.pool.AtomicPools;

/**
 * dma-direct's coherent allocator ({@code kernel/dma/direct.c} and {@code contiguous.c}, 6.1).
 *
 * <p>The decision tree, for a device without per-device coherent memory (that case never gets
 * here: {@link DmaMapping} serves it with no fallback):
 * <ol>
 * <li>Round the size up to whole pages; DMA_ATTR_NO_WARN adds __GFP_NOWARN.</li>
 * <li>DMA_ATTR_NO_KERNEL_MAPPING: take pages (below), clean them to PoC, return the
 *     {@code struct page} cookie; nothing is zeroed or mapped.</li>
 * <li>A non-coherent device on a DMA_DIRECT_REMAP arch (arm64) that may not block is served by
 *     the atomic pools, zone order chosen by its coherent mask.</li>
 * <li>Otherwise take pages: the zone bit comes from the coherent limit
 *     ({@code dma_direct_optimal_gfp_mask}: at most DMA_BIT_MASK(zone_dma_bits) → GFP_DMA, at most
 *     4 GiB - 1 → GFP_DMA32); then CMA ({@code dma_alloc_contiguous}: only when blocking; the
 *     device's own area for any size, the default area only for more than one page; exactly
 *     size/PAGE_SIZE pages aligned to min(get_order(size), CONFIG_CMA_ALIGNMENT)); a CMA block
 *     the device cannot reach is given back; then the buddy allocator at get_order(size), retried
 *     with GFP_DMA32 and then GFP_DMA while the block it got is out of reach.</li>
 * <li>Non-coherent (remap): clean the pages to PoC and map a vmalloc alias with
 *     {@code dma_pgprot} (Normal-NC); coherent: the linear map. Zero the buffer through the CPU
 *     address. Handle = phys_to_dma(phys).</li>
 * </ol>
 *
 * <p>CMA and the atomic pools are the backend instances serving when the call is made
 * ({@link DmaEnv}); a buffer they served holds one of the instance's holdings and remembers the
 * area or pools (the allocation's cookie), so that its free goes back to them even after the
 * backend was replaced.
 */
final class DmaDirect {
    /**
     * Pages a buffer came from: the first pfn, the bytes really taken, from where, and the backend
     * instance (with the CMA area or atomic pools object) that handed them out, or none (buddy).
     */
    record Chunk(long pfn, long reserved, CoherentSource source, String sourceName, BackendInstance backend,
        Object cookie) {
    }

    private final DmaEnv env;

    DmaDirect(DmaEnv env) {
        this.env = env;
    }

    /** {@code dma_direct_alloc}; gfp has already lost its zone bits (dma_alloc_attrs strips them). */
    Optional<Allocation> alloc(Device dev, long requested, int gfp, long attrs) {
        long size = Page.pageAlign(requested);
        if ((attrs & DmaAttrs.NO_WARN) != 0) {
            gfp |= Gfp.__GFP_NOWARN;
        }
        if ((attrs & DmaAttrs.NO_KERNEL_MAPPING) != 0) {
            Optional<Chunk> c = allocPages(dev, size, gfp & ~Gfp.__GFP_ZERO);
            if (c.isEmpty()) {
                return Optional.empty();
            }
            long phys = Page.pfnPhys(c.get().pfn());
            env.arch().prepCoherent(phys, size);
            return Optional.of(buffer(dev, env.vm().pageStruct(c.get().pfn()), phys, requested, c.get(),
                MemAttr.NORMAL, false, attrs, "coherent"));
        }
        boolean remap = false;
        if (!dev.coherent()) {
            if (!env.arch().directRemap()) {
                // 6.1 would call arch_dma_alloc(); neither simulated arch has one (x86 devices are
                // always coherent), so this is a platform the simulator cannot describe.
                env.log().dmasim("dma-direct: " + dev.name() + " is non-coherent on an arch without DMA_DIRECT_REMAP:"
                    + " no coherent allocator exists (arch_dma_alloc is not simulated)");
                return Optional.empty();
            }
            remap = true;
            if (!Gfp.allowsBlocking(gfp)) {
                return allocFromPool(dev, size, requested, gfp, attrs);
            }
        }
        Optional<Chunk> c = allocPages(dev, size, gfp & ~Gfp.__GFP_ZERO);
        if (c.isEmpty()) {
            return Optional.empty();
        }
        long phys = Page.pfnPhys(c.get().pfn());
        long cpu;
        MemAttr attr;
        if (remap) {
            attr = env.arch().coherentPgprot(false, attrs);
            env.arch().prepCoherent(phys, size);
            cpu = env.vm().vmap(phys, size, attr, "dma_direct_alloc");
        } else {
            attr = MemAttr.NORMAL;
            cpu = env.vm().linearAddress(phys);
        }
        env.vm().cpuFill(cpu, size, (byte) 0);
        return Optional.of(buffer(dev, cpu, phys, requested, c.get(), attr, remap, attrs, "coherent"));
    }

    /** {@code dma_direct_alloc_pages} (dma_alloc_pages / dma_alloc_noncoherent): linear map, zeroed. */
    Optional<Allocation> allocLinearPages(Device dev, long requested, int gfp, String kind) {
        long size = Page.pageAlign(requested);
        Optional<Chunk> c = allocPages(dev, size, gfp);
        if (c.isEmpty()) {
            return Optional.empty();
        }
        long phys = Page.pfnPhys(c.get().pfn());
        long cpu = env.vm().linearAddress(phys);
        env.vm().cpuFill(cpu, size, (byte) 0);
        return Optional.of(buffer(dev, cpu, phys, requested, c.get(), MemAttr.NORMAL, false, 0, kind));
    }

    private Allocation buffer(Device dev, long cpu, long phys, long requested, Chunk c, MemAttr attr,
        boolean remapped, long attrs, String kind) {
        CoherentBuffer b = new CoherentBuffer(dev.name(), cpu, DmaAddress.physToDma(dev, phys), phys, requested,
            c.reserved(), c.source(), c.sourceName(), attr, remapped, attrs, kind);
        return new Allocation(b, Optional.ofNullable(c.backend()), c.cookie());
    }

    /** {@code dma_direct_alloc_from_pool}: the atomic pools serving now. */
    private Optional<Allocation> allocFromPool(Device dev, long size, long requested, int gfp, long attrs) {
        Optional<Served<AtomicPools>> served = env.atomicPools();
        if (served.isEmpty() || !served.get().instance().tryHold()) {
            env.log().warn("Failed to get suitable pool for " + dev.name());
            return Optional.empty();
        }
        AtomicPools pools = served.get().service();
        BackendInstance instance = served.get().instance();
        gfp |= optimalGfp(dev);
        Optional<AtomicPools.Block> b;
        try {
            b = pools.alloc(dev.name(), size, gfp, phys -> DmaAddress.coherentOk(dev, phys, size));
        } catch (RuntimeException e) {
            instance.unhold();
            throw e;
        }
        if (b.isEmpty()) {
            instance.unhold();
            return Optional.empty();
        }
        long phys = b.get().phys();
        Chunk c = new Chunk(Page.pfnDown(phys), size, CoherentSource.ATOMIC_POOL, b.get().pool(), instance, pools);
        return Optional.of(buffer(dev, b.get().cpuAddr(), phys, requested, c, env.vm().attr(b.get().cpuAddr()), true,
            attrs, "coherent"));
    }

    /** {@code dma_direct_optimal_gfp_mask}: the zone bit for the device's coherent limit. */
    int optimalGfp(Device dev) {
        long dmaLimit = DmaAddress.minNotZero(dev.coherentDmaMask(), dev.busDmaLimit());
        long physLimit = DmaAddress.dmaToPhys(dev, dmaLimit);
        if (env.zoneDma() && Long.compareUnsigned(physLimit, env.zoneDmaLimit()) <= 0) {
            return Gfp.GFP_DMA;
        }
        if (env.zoneDma32() && Long.compareUnsigned(physLimit, DmaAddress.bitMask(32)) <= 0) {
            return Gfp.GFP_DMA32;
        }
        return 0;
    }

    /** {@code __dma_direct_alloc_pages}: CMA first, then the buddy allocator with zone retries. */
    Optional<Chunk> allocPages(Device dev, long size, int gfp) {
        long dmaLimit = DmaAddress.minNotZero(dev.coherentDmaMask(), dev.busDmaLimit());
        long physLimit = DmaAddress.dmaToPhys(dev, dmaLimit);
        gfp |= optimalGfp(dev);
        Optional<Chunk> cma = allocContiguous(dev, size, gfp);
        if (cma.isPresent() && !DmaAddress.coherentOk(dev, Page.pfnPhys(cma.get().pfn()), size)) {
            freeContiguous(cma.get(), size);
            cma = Optional.empty();
        }
        if (cma.isPresent()) {
            return cma;
        }
        int order = Page.getOrder(size);
        PageAllocator buddy = env.buddy();
        while (true) {
            long pfn = buddy.allocPages(gfp, order);
            if (pfn == PageAllocator.NO_PAGE) {
                return Optional.empty();
            }
            if (DmaAddress.coherentOk(dev, Page.pfnPhys(pfn), size)) {
                return Optional.of(new Chunk(pfn, Page.PAGE_SIZE << order, CoherentSource.BUDDY, "buddy", null, null));
            }
            buddy.freePages(pfn, order);
            if (env.zoneDma32() && physLimit != -1L && (gfp & (Gfp.GFP_DMA32 | Gfp.GFP_DMA)) == 0) {
                gfp |= Gfp.GFP_DMA32;
            } else if (env.zoneDma() && (gfp & Gfp.GFP_DMA) == 0) {
                gfp = (gfp & ~Gfp.GFP_DMA32) | Gfp.GFP_DMA;
            } else {
                return Optional.empty();
            }
        }
    }

    /**
     * {@code dma_alloc_contiguous}: the device's own area (by its name, in the CMA instance serving
     * now) for any size, else the default one for more than a page; blocking requests only.
     */
    private Optional<Chunk> allocContiguous(Device dev, long size, int gfp) {
        if (!Gfp.allowsBlocking(gfp)) {
            return Optional.empty();
        }
        Optional<Served<CmaAreas>> served = env.cma();
        if (served.isEmpty()) {
            return Optional.empty();
        }
        String own = dev.cmaAreaName;
        if (own != null) {
            Optional<CmaArea> area = served.get().service().byName(own);
            return area.isEmpty() ? Optional.empty()
                : cmaAllocAligned(served.get(), area.get(), size, gfp, CoherentSource.DEVICE_CMA);
        }
        Optional<CmaArea> def = served.get().service().defaultArea().filter(a -> a.count() > 0);
        if (size <= Page.PAGE_SIZE || def.isEmpty()) {
            return Optional.empty();
        }
        return cmaAllocAligned(served.get(), def.get(), size, gfp, CoherentSource.DEFAULT_CMA);
    }

    private Optional<Chunk> cmaAllocAligned(Served<CmaAreas> served, CmaArea cma, long size, int gfp,
        CoherentSource source) {
        BackendInstance instance = served.instance();
        if (!instance.tryHold()) {
            return Optional.empty();
        }
        int align = Math.min(Page.getOrder(size), env.cmaAlignment());
        long count = size >>> Page.PAGE_SHIFT;
        long pfn;
        try {
            pfn = cma.alloc(count, align, (gfp & Gfp.__GFP_NOWARN) != 0);
        } catch (RuntimeException e) {
            instance.unhold();
            throw e;
        }
        if (pfn < 0) {
            instance.unhold();
            return Optional.empty();
        }
        return Optional.of(new Chunk(pfn, size, source, cma.name(), instance, cma));
    }

    /**
     * {@code dma_free_contiguous} of pages {@link #allocPages} handed out: back to the CMA area that
     * gave them (through the instance that served them), else to the buddy allocator.
     */
    void freeContiguous(Chunk c, long size) {
        long count = Page.pageAlign(size) >>> Page.PAGE_SHIFT;
        if (c.cookie() instanceof CmaArea area) {
            boolean released = area.release(c.pfn(), count);
            c.backend().unhold();
            if (released) {
                return;
            }
        }
        env.buddy().freePages(c.pfn(), Page.getOrder(size));
    }

    /** The chunk behind a buffer this class handed out. */
    static Chunk chunkOf(Allocation a, long pfn) {
        CoherentBuffer b = a.buffer();
        return new Chunk(pfn, b.reserved(), b.source(), b.sourceName(), a.backend().orElse(null), a.cookie());
    }

    /** {@code dma_direct_free} for a buffer this class handed out (dma.core checked it). */
    void free(Device dev, Allocation a) {
        CoherentBuffer b = a.buffer();
        long size = Page.pageAlign(b.size());
        if ((b.attrs() & DmaAttrs.NO_KERNEL_MAPPING) != 0 && b.kind().equals("coherent")) {
            freeContiguous(chunkOf(a, Page.pfnDown(b.phys())), size);
            return;
        }
        if (b.source() == CoherentSource.ATOMIC_POOL) {
            AtomicPools pools = (AtomicPools) a.cookie();
            boolean freed = pools.free(b.cpuAddr(), size);
            a.backend().ifPresent(BackendInstance::unhold);
            if (!freed) {
                throw new IllegalStateException("atomic pool lost block " + Long.toHexString(b.cpuAddr()));
            }
            return;
        }
        if (env.vm().isVmalloc(b.cpuAddr())) {
            env.vm().vunmap(b.cpuAddr());
        }
        freeContiguous(chunkOf(a, Page.pfnDown(DmaAddress.dmaToPhys(dev, b.dmaHandle()))), size);
    }
}
