package org.dmasim.iommu.dma;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.RuntimeServices.Current;
import org.dmasim.api.backend.RuntimeServices.Served;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps.Allocation;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.iommu.pgtable.IotlbGather;

/**
 * {@code iommu_dma_alloc} and {@code iommu_dma_free} (dma-iommu.c, Linux 6.1): coherent buffers
 * behind an IOMMU. The memory need not be contiguous, only its IOVA range is:
 * <ul>
 * <li>blocking and not {@code DMA_ATTR_FORCE_CONTIGUOUS} ({@code iommu_dma_alloc_remap}): blocks of
 *     the orders the page table maps in one entry (9 and 0 with 4 KiB pages), largest that still
 *     fits first, an order that failed never tried again for this buffer; one IOVA from the
 *     coherent mask; the blocks mapped one after the other; the pages vmapped for the CPU
 *     (Normal-NC for a non-coherent device);</li>
 * <li>non-blocking on a non-coherent device: a block of the atomic pools, mapped;</li>
 * <li>otherwise ({@code iommu_dma_alloc_pages}): one contiguous block, the default CMA area when
 *     blocking and more than a page, else the page allocator; remapped for a non-coherent
 *     device.</li>
 * </ul>
 * Each buffer holds its domain; its free unmaps it there and gives the memory back the way it came.
 */
final class IommuCoherent {
    /** MAX_ORDER of 6.1: page blocks are of order 0..10. */
    static final int MAX_ORDER = 11;

    private final IommuDevices devices;
    private final ArchDma arch;
    private final KernelVm vm;
    private final PageAllocator buddy;
    private final Current<CmaAreas> cma;
    private final Current<AtomicPools> pools;
    private final int cmaAlignment;

    IommuCoherent(IommuDevices devices, ArchDma arch, KernelVm vm, PageAllocator buddy, Current<CmaAreas> cma,
        Current<AtomicPools> pools, int cmaAlignment) {
        this.devices = devices;
        this.arch = arch;
        this.vm = vm;
        this.buddy = buddy;
        this.cma = cma;
        this.pools = pools;
        this.cmaAlignment = cmaAlignment;
    }

    /** How a coherent buffer's memory was found, which says how it goes back. */
    enum Source {
        /** Pages gathered block by block, vmapped as one range ({@code iommu_dma_alloc_remap}). */
        REMAP,
        /** A block of an atomic pool. */
        POOL,
        /** One contiguous block, CMA or the page allocator, in the linear map or remapped. */
        CONTIGUOUS
    }

    /**
     * What a coherent buffer made here holds: its domain, the blocks it took ({pfn, order}; one
     * for CONTIGUOUS, with {@code cmaArea} when CMA gave it), whether the CPU reaches it through a
     * vmap.
     */
    record Held(DmaDomain domain, Source source, long[][] blocks, boolean vmapped, String cmaArea) {
    }

    Optional<Allocation> alloc(DmaDevice dev, long size, int gfp, long attrs) {
        DmaDomain d = devices.domain(dev);
        if (d == null || !d.instance().tryHold()) {
            return Optional.empty();
        }
        Optional<Allocation> a;
        try {
            a = allocIn(d, dev, size, gfp | Gfp.__GFP_ZERO, attrs);
        } catch (RuntimeException e) {
            d.instance().unhold();
            throw e;
        }
        if (a.isEmpty()) {
            d.instance().unhold();
        }
        return a;
    }

    private Optional<Allocation> allocIn(DmaDomain d, DmaDevice dev, long size, int gfp, long attrs) {
        boolean coherent = dev.coherent();
        int prot = IommuDmaOps.prot(DmaDirection.BIDIRECTIONAL, coherent, attrs);
        boolean blocking = (gfp & Gfp.__GFP_DIRECT_RECLAIM) != 0;
        if (blocking && (attrs & DmaAttrs.FORCE_CONTIGUOUS) == 0) {
            return allocRemap(d, dev, size, gfp, attrs, prot);
        }
        if (!blocking && !coherent) {
            return allocFromPool(d, dev, size, attrs, prot);
        }
        return allocContiguous(d, dev, size, gfp, attrs, prot, blocking);
    }

    /**
     * {@code iommu_dma_alloc_remap} via {@code __iommu_dma_alloc_noncontiguous}: blocks of the
     * orders the page table maps in one entry (9 and 0 with 4 KiB pages), largest that still fits
     * first, an order that failed never tried again for this buffer; all mapped at one IOVA from
     * the coherent mask, then vmapped for the CPU.
     */
    private Optional<Allocation> allocRemap(DmaDomain d, DmaDevice dev, long size, int gfp, long attrs, int prot) {
        long left = Page.pageAlign(size) >>> Page.PAGE_SHIFT;
        long orderMask = (d.domain().pgsizeBitmap() >>> Page.PAGE_SHIFT) & ((1L << MAX_ORDER) - 1);
        if ((attrs & DmaAttrs.ALLOC_SINGLE_PAGES) != 0) {
            orderMask = 1;
        }
        List<long[]> blocks = new ArrayList<>();
        // "IOMMU can map any pages": highmem allowed, no warning for a failed order, no compound pages
        int flags = (gfp | Gfp.__GFP_NOWARN | Gfp.__GFP_HIGHMEM) & ~Gfp.__GFP_COMP;
        while (left > 0) {
            orderMask &= (2L << (63 - Long.numberOfLeadingZeros(left))) - 1;
            long pfn = PageAllocator.NO_PAGE;
            int order = 0;
            while (orderMask != 0) {
                order = 63 - Long.numberOfLeadingZeros(orderMask);
                boolean smallerAllowed = orderMask != (1L << order);
                pfn = buddy.allocPages(smallerAllowed ? flags | Gfp.__GFP_NORETRY : flags, order);
                if (pfn != PageAllocator.NO_PAGE) {
                    break;
                }
                orderMask &= ~(1L << order);
            }
            if (pfn == PageAllocator.NO_PAGE) {
                freeBlocks(blocks);
                return Optional.empty();
            }
            blocks.add(new long[] {pfn, order});
            left -= 1L << order;
        }
        long len = d.align(size);
        long iova = d.allocIova(dev, len, dev.coherentDmaMask());
        if (iova == 0) {
            freeBlocks(blocks);
            return Optional.empty();
        }
        long at = iova;
        List<Long> pfns = new ArrayList<>();
        for (long[] b : blocks) {
            long bytes = Page.PAGE_SIZE << b[1];
            if (!dev.coherent()) {
                arch.prepCoherent(Page.pfnPhys(b[0]), bytes);
            }
            if (d.domain().map(at, Page.pfnPhys(b[0]), bytes, prot, Gfp.GFP_KERNEL) != 0) {
                if (at > iova) {
                    d.domain().unmap(iova, at - iova, new IotlbGather(false));
                }
                d.freeIovaNow(iova, len);
                freeBlocks(blocks);
                return Optional.empty();
            }
            at += bytes;
            for (long i = 0; i < 1L << b[1]; i++) {
                pfns.add(b[0] + i);
            }
        }
        MemAttr attr = arch.coherentPgprot(dev.coherent(), attrs);
        long cpu = vm.vmapPages(pfns.stream().mapToLong(Long::longValue).toArray(), attr, "iommu_dma_alloc_remap");
        vm.cpuFill(cpu, (long) pfns.size() * Page.PAGE_SIZE, (byte) 0);
        CoherentBuffer b = new CoherentBuffer(dev.name(), cpu, iova, Page.pfnPhys(blocks.get(0)[0]), size,
            (long) pfns.size() * Page.PAGE_SIZE, CoherentSource.BUDDY, "iommu", attr, true, attrs, "coherent");
        return Optional.of(new Allocation(b, Optional.of(d.instance()),
            new Held(d, Source.REMAP, blocks.toArray(long[][]::new), true, null)));
    }

    private void freeBlocks(List<long[]> blocks) {
        for (long[] b : blocks) {
            buddy.freePages(b[0], (int) b[1]);
        }
    }

    /** Non-blocking, non-coherent: {@code dma_alloc_from_pool}, then {@code __iommu_dma_map}. */
    private Optional<Allocation> allocFromPool(DmaDomain d, DmaDevice dev, long size, long attrs, int prot) {
        Optional<Served<AtomicPools>> served = pools.optional();
        if (served.isEmpty()) {
            return Optional.empty();
        }
        long len = Page.pageAlign(size);
        Optional<AtomicPools.Block> blk = served.get().service().alloc(dev.name(), len, d.gfpAtomic(), p -> true);
        if (blk.isEmpty()) {
            return Optional.empty();
        }
        AtomicPools.Block b = blk.get();
        long handle = d.map(dev, b.phys(), size, prot, dev.coherentDmaMask());
        if (handle == -1) {
            served.get().service().free(b.cpuAddr(), len);
            return Optional.empty();
        }
        CoherentBuffer buf = new CoherentBuffer(dev.name(), b.cpuAddr(), handle, b.phys(), size, len,
            CoherentSource.ATOMIC_POOL, b.pool(), vm.attr(b.cpuAddr()), true, attrs, "coherent");
        return Optional.of(new Allocation(buf, Optional.of(d.instance()), new Held(d, Source.POOL, null, false, null)));
    }

    /**
     * {@code iommu_dma_alloc_pages}: one contiguous block ({@code dma_alloc_contiguous}: the default
     * CMA area when blocking and more than a page, else the page allocator), remapped Normal-NC for
     * a non-coherent device, then mapped with {@code __iommu_dma_map}.
     */
    private Optional<Allocation> allocContiguous(DmaDomain d, DmaDevice dev, long size, int gfp, long attrs, int prot,
        boolean blocking) {
        long len = Page.pageAlign(size);
        int order = Page.getOrder(len);
        long pfn = PageAllocator.NO_PAGE;
        String area = null;
        CmaArea def = blocking && len > Page.PAGE_SIZE ? cma.optional().flatMap(s -> s.service().defaultArea())
            .orElse(null) : null;
        if (def != null) {
            long p = def.alloc(len >>> Page.PAGE_SHIFT, Math.min(order, cmaAlignment), true);
            if (p >= 0) {
                pfn = p;
                area = def.name();
            }
        }
        if (pfn == PageAllocator.NO_PAGE) {
            pfn = buddy.allocPages(gfp, order);
            if (pfn == PageAllocator.NO_PAGE) {
                return Optional.empty();
            }
        }
        long phys = Page.pfnPhys(pfn);
        boolean vmapped = !dev.coherent();
        MemAttr attr = vmapped ? arch.coherentPgprot(false, attrs) : MemAttr.NORMAL;
        if (vmapped) {
            arch.prepCoherent(phys, len);
        }
        long cpu = vmapped ? vm.vmap(phys, len, attr, "iommu_dma_alloc_pages") : vm.linearAddress(phys);
        vm.cpuFill(cpu, len, (byte) 0);
        Held held = new Held(d, Source.CONTIGUOUS, new long[][] {{pfn, order}}, vmapped, area);
        long handle = d.map(dev, phys, size, prot, dev.coherentDmaMask());
        if (handle == -1) {
            release(held, cpu, len);
            return Optional.empty();
        }
        CoherentBuffer b = new CoherentBuffer(dev.name(), cpu, handle, phys, size,
            area != null ? len : Page.PAGE_SIZE << order, area != null ? CoherentSource.DEFAULT_CMA : CoherentSource.BUDDY,
            area != null ? area : "iommu", attr, vmapped, attrs, "coherent");
        return Optional.of(new Allocation(b, Optional.of(d.instance()), held));
    }

    void free(Allocation allocation) {
        Held h = (Held) allocation.cookie();
        CoherentBuffer b = allocation.buffer();
        h.domain().unmap(b.dmaHandle(), b.size());
        release(h, b.cpuAddr(), Page.pageAlign(b.size()));
        allocation.backend().ifPresent(BackendInstance::unhold);
    }

    /** Gives a buffer's memory back the way it came. */
    private void release(Held h, long cpu, long len) {
        switch (h.source()) {
            case POOL -> pools.optional().ifPresent(p -> p.service().free(cpu, len));
            case REMAP -> {
                vm.vunmap(cpu);
                freeBlocks(List.of(h.blocks()));
            }
            case CONTIGUOUS -> {
                if (h.vmapped()) {
                    vm.vunmap(cpu);
                }
                long pfn = h.blocks()[0][0];
                if (h.cmaArea() != null) {
                    cma.optional().flatMap(s -> s.service().byName(h.cmaArea()))
                        .ifPresent(a -> a.release(pfn, len >>> Page.PAGE_SHIFT));
                } else {
                    buddy.freePages(pfn, (int) h.blocks()[0][1]);
                }
            }
        }
    }
}
