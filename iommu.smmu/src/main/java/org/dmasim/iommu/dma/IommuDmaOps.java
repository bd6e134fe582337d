package org.dmasim.iommu.dma;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.RuntimeServices.Current;
import org.dmasim.api.backend.RuntimeServices.Served;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.iommu.pgtable.IommuProt;
import org.dmasim.iommu.pgtable.IotlbGather;

/**
 * {@code iommu_dma_ops} (drivers/iommu/dma-iommu.c, Linux 6.1): the DMA API of a device whose
 * group has a DMA or DMA-FQ domain. One table per platform, as the kernel has one; the device's
 * domain is looked up at each call, and every mapping and buffer holds the domain that made it,
 * so its unmap, sync and free go back there even if the group's domain changed meanwhile.
 *
 * <p>What each call does, in the kernel's order:
 * <ul>
 * <li>map_page: {@code dma_info_to_prot} (coherent → IOMMU_CACHE; BIDIRECTIONAL → R|W, TO_DEVICE
 *     → R, FROM_DEVICE → W), CPU cache clean for a non-coherent device, then {@code __iommu_dma_map}:
 *     one IOVA for the granule-aligned range, the page table filled, {@code iova + offset} back.</li>
 * <li>map_sg: every segment padded to whole granules, padding inserted where a segment would cross
 *     the device's segment boundary, one IOVA for the total, one page-table map of the list, then
 *     {@code __finalise_sg} merges the segments into as few DMA segments as the device's maximum
 *     segment size and boundary allow.</li>
 * <li>alloc: blocking and not FORCE_CONTIGUOUS → pages gathered one by one (largest page-table
 *     order first, orders 9 and 0 on a 4 KiB SMMUv3), mapped at one IOVA, vmapped for the CPU;
 *     non-blocking on a non-coherent device → the atomic pools; else one contiguous block (CMA
 *     or the page allocator).</li>
 * </ul>
 * Untrusted (external-facing) PCI devices, which 6.1 bounces through swiotlb, are not modelled:
 * no dmasim device is untrusted.
 */
public final class IommuDmaOps implements DmaOps {
    /** MAX_ORDER of 6.1: page blocks are of order 0..10. */
    static final int MAX_ORDER = 11;
    /** {@code IOVA_RANGE_CACHE_MAX_SIZE}: dma_opt_mapping_size is PAGE_SIZE << (6 - 1). */
    static final long OPT_MAPPING_SIZE = Page.PAGE_SIZE << 5;

    private final IommuDevices devices;
    private volatile Optional<BackendInstance> instance = Optional.empty();
    private final ArchDma arch;
    private final KernelVm vm;
    private final PageAllocator buddy;
    private final Current<CmaAreas> cma;
    private final Current<AtomicPools> pools;
    private final BootLog log;
    private final int cmaAlignment;

    /** @param cmaAlignment CONFIG_CMA_ALIGNMENT: CMA blocks are aligned to at most 2^this pages */
    public IommuDmaOps(IommuDevices devices, ArchDma arch, KernelVm vm, PageAllocator buddy, Current<CmaAreas> cma,
        Current<AtomicPools> pools, BootLog log, int cmaAlignment) {
        this.cmaAlignment = cmaAlignment;
        this.devices = devices;
        this.arch = arch;
        this.vm = vm;
        this.buddy = buddy;
        this.cma = cma;
        this.pools = pools;
        this.log = log;
    }

    /**
     * The backend instance of the IOMMU whose table this is, known once the platform started it
     * (before any device maps): every buffer and mapping holds it.
     */
    public void attach(BackendInstance owner) {
        instance = Optional.of(owner);
    }

    @Override
    public String name() {
        return "iommu";
    }

    @Override
    public Optional<BackendInstance> instance() {
        return instance;
    }

    /** {@code dma_info_to_prot}. */
    static int prot(DmaDirection dir, boolean coherent, long attrs) {
        int prot = coherent ? IommuProt.CACHE : 0;
        if ((attrs & DmaAttrs.PRIVILEGED) != 0) {
            prot |= IommuProt.PRIV;
        }
        return switch (dir) {
            case BIDIRECTIONAL -> prot | IommuProt.READ | IommuProt.WRITE;
            case TO_DEVICE -> prot | IommuProt.READ;
            case FROM_DEVICE -> prot | IommuProt.WRITE;
            default -> 0;
        };
    }

    /** The device's domain, held for one mapping or buffer; null when it has none or it drains. */
    private DmaDomain hold(StreamingMapping m) {
        DmaDomain d = devices.domain(m.device());
        if (d == null || !m.holdBackend(d.instance(), d.id())) {
            return null;
        }
        return d;
    }

    /** The domain a mapping holds. */
    private DmaDomain of(StreamingMapping m) {
        DmaDomain d = devices.domainById((int) m.backendCookie());
        if (d == null) {
            throw new IllegalStateException("mapping " + m + ": its IOMMU domain " + m.backendCookie() + " is gone");
        }
        return d;
    }

    private static boolean skipSync(long attrs) {
        return (attrs & DmaAttrs.SKIP_CPU_SYNC) != 0;
    }

    // ---- streaming ----

    @Override
    public long mapPage(StreamingMapping m) {
        DmaDomain d = hold(m);
        if (d == null) {
            return DMA_MAPPING_ERROR;
        }
        DmaDevice dev = m.device();
        boolean coherent = dev.coherent();
        if (!coherent && !skipSync(m.attrs())) {
            arch.syncDmaForDevice(m.phys(), m.size(), m.direction());
        }
        return d.map(dev, m.phys(), m.size(), prot(m.direction(), coherent, m.attrs()), dev.dmaMask());
    }

    @Override
    public void unmapPage(StreamingMapping m, long size, DmaDirection dir, long attrs) {
        DmaDomain d = of(m);
        long handle = m.dmaHandle();
        long phys = d.domain().iovaToPhys(handle);
        if (phys == 0) {
            log.warn("WARNING: iommu_dma_unmap_page: iova " + String.format("%#x", handle) + " has no translation"
                + " (WARN_ON(!phys))");
            return;
        }
        if (!m.device().coherent() && !skipSync(attrs)) {
            arch.syncDmaForCpu(phys, size, dir);
        }
        unmap(d, handle, size);
    }

    /** {@code __iommu_dma_unmap}, with the kernel's WARN when the page table unmapped less. */
    private void unmap(DmaDomain d, long handle, long size) {
        long want = d.align(size + (handle & (d.granule() - 1)));
        long got = d.unmap(handle, size);
        if (got != want) {
            log.warn(String.format("WARNING: __iommu_dma_unmap: unmapped %#x of %#x bytes at iova %#x"
                + " (WARN_ON(unmapped != size))", got, want, handle));
        }
    }

    @Override
    public long mapResource(StreamingMapping m) {
        DmaDomain d = hold(m);
        if (d == null) {
            return DMA_MAPPING_ERROR;
        }
        int prot = prot(m.direction(), false, m.attrs()) | IommuProt.MMIO;
        return d.map(m.device(), m.phys(), m.size(), prot, m.device().dmaMask());
    }

    @Override
    public void unmapResource(StreamingMapping m, long size, DmaDirection dir, long attrs) {
        unmap(of(m), m.dmaHandle(), size);
    }

    @Override
    public int mapSg(StreamingMapping m) {
        DmaDomain d = hold(m);
        if (d == null) {
            return -Errno.ENOMEM;
        }
        DmaDevice dev = m.device();
        SgTable sg = m.sg();
        int n = m.sgCallEnts();
        boolean coherent = dev.coherent();
        if (!coherent && !skipSync(m.attrs())) {
            for (int i = 0; i < n; i++) {
                arch.syncDmaForDevice(sg.phys(i), sg.length(i), m.direction());
            }
        }
        long granule = d.granule();
        long mask = dev.segmentBoundary();
        long[] off = new long[n];
        long[] padded = new long[n];
        long iovaLen = 0;
        int prev = -1;
        for (int i = 0; i < n; i++) {
            off[i] = sg.phys(i) & (granule - 1);
            padded[i] = d.align(sg.length(i) + off[i]);
            long pad = (mask - iovaLen + 1) & mask;
            if (pad != 0 && Long.compareUnsigned(pad, padded[i] - 1) < 0 && prev >= 0) {
                padded[prev] += pad;
                iovaLen += pad;
            }
            iovaLen += padded[i];
            prev = i;
        }
        long iova = d.allocIova(dev, iovaLen, dev.dmaMask());
        if (iova == 0) {
            return -Errno.ENOMEM;
        }
        int prot = prot(m.direction(), coherent, m.attrs());
        long at = iova;
        for (int i = 0; i < n; i++) {
            long start = sg.phys(i) - off[i];
            long len = d.align(sg.length(i) + off[i]);
            if (d.domain().map(at, start, len, prot, d.gfpAtomic()) != 0) {
                if (at > iova) {
                    d.domain().unmap(iova, at - iova, new IotlbGather(false));
                }
                d.freeIovaNow(iova, iovaLen);
                return -Errno.ENOMEM;
            }
            at += padded[i];
        }
        return finalise(sg, n, iova, off, padded, dev);
    }

    /** {@code __finalise_sg}: DMA segments from the padded list mapped contiguously at {@code iova}. */
    private static int finalise(SgTable sg, int n, long iova, long[] off, long[] padded, DmaDevice dev) {
        long segMask = dev.segmentBoundary();
        long maxLen = dev.maxSegmentSize();
        sg.clearDma();
        int cur = -1;
        long curLen = 0;
        int count = 0;
        long dma = iova;
        for (int i = 0; i < n; i++) {
            long len = sg.length(i);
            if (curLen != 0 && off[i] == 0 && (dma & segMask) != 0 && maxLen - curLen >= len) {
                curLen += len;
            } else {
                cur++;
                count++;
                curLen = len;
                sg.setDma(cur, dma + off[i], curLen);
            }
            sg.setDma(cur, sg.dmaAddress(cur), curLen);
            dma += padded[i];
            if (len + off[i] < padded[i]) {
                curLen = 0;
            }
        }
        return count;
    }

    @Override
    public void unmapSg(StreamingMapping m, int nents, DmaDirection dir, long attrs) {
        DmaDomain d = of(m);
        SgTable sg = m.sg();
        if (!m.device().coherent() && !skipSync(attrs)) {
            for (int i = 0; i < nents; i++) {
                arch.syncDmaForCpu(sg.phys(i), sg.length(i), dir);
            }
        }
        long start = -1;
        long end = 0;
        for (int i = 0; i < sg.origNents(); i++) {
            if (sg.dmaLength(i) == 0 || sg.dmaAddress(i) == -1) {
                continue;
            }
            if (start == -1) {
                start = sg.dmaAddress(i);
            }
            end = sg.dmaAddress(i) + sg.dmaLength(i);
        }
        if (start != -1) {
            unmap(d, start, end - start);
        }
    }

    // ---- syncs: only non-coherent devices have anything to do (no swiotlb behind dma-iommu here) ----

    @Override
    public void syncSingleForCpu(StreamingMapping m, DmaDevice dev, long dmaHandle, long size, DmaDirection dir) {
        if (dev.coherent()) {
            return;
        }
        DmaDomain d = m != null ? of(m) : devices.domain(dev);
        long phys = d == null ? 0 : d.domain().iovaToPhys(dmaHandle);
        if (phys != 0) {
            arch.syncDmaForCpu(phys, size, dir);
        }
    }

    @Override
    public void syncSingleForDevice(StreamingMapping m, DmaDevice dev, long dmaHandle, long size,
        DmaDirection dir) {
        if (dev.coherent()) {
            return;
        }
        DmaDomain d = m != null ? of(m) : devices.domain(dev);
        long phys = d == null ? 0 : d.domain().iovaToPhys(dmaHandle);
        if (phys != 0) {
            arch.syncDmaForDevice(phys, size, dir);
        }
    }

    @Override
    public void syncSgForCpu(StreamingMapping m, int nents, DmaDirection dir) {
        if (!m.device().coherent()) {
            for (int i = 0; i < nents; i++) {
                arch.syncDmaForCpu(m.sg().phys(i), m.sg().length(i), dir);
            }
        }
    }

    @Override
    public void syncSgForDevice(StreamingMapping m, int nents, DmaDirection dir) {
        if (!m.device().coherent()) {
            for (int i = 0; i < nents; i++) {
                arch.syncDmaForDevice(m.sg().phys(i), m.sg().length(i), dir);
            }
        }
    }

    /** {@code dma_need_sync} of an ops table: it has sync operations, so yes. */
    @Override
    public boolean needSync(DmaDevice dev, long dmaHandle) {
        return true;
    }

    @Override
    public long busToPhys(DmaDevice dev, long dmaHandle, long size) {
        return devices.translate(dev, dmaHandle, size, false);
    }

    @Override
    public long busToPhys(DmaDevice dev, long dmaHandle, long size, boolean write) {
        return devices.translate(dev, dmaHandle, size, write);
    }

    /** Forced out: the device loses the range at once (unmapped, invalidated), nothing to copy back. */
    @Override
    public void revoke(StreamingMapping m) {
        DmaDomain d = devices.domainById((int) m.backendCookie());
        if (d != null && m.dmaHandle() != DMA_MAPPING_ERROR) {
            d.unmapNow(m.dmaHandle(), m.size());
        }
    }

    // ---- limits ----

    @Override
    public long optMappingSize(DmaDevice dev) {
        return OPT_MAPPING_SIZE;
    }

    @Override
    public long mergeBoundary(DmaDevice dev) {
        DmaDomain d = devices.domain(dev);
        return d == null ? 0 : d.granule() - 1;
    }

    // ---- coherent memory ----

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

    @Override
    public Optional<Allocation> alloc(DmaDevice dev, long size, int gfp, long attrs) {
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
        int prot = prot(DmaDirection.BIDIRECTIONAL, coherent, attrs);
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
        int flags = gfp & ~Gfp.__GFP_COMP;
        while (left > 0) {
            orderMask &= (2L << (63 - Long.numberOfLeadingZeros(left))) - 1;
            long pfn = PageAllocator.NO_PAGE;
            int order = 0;
            while (orderMask != 0) {
                order = 63 - Long.numberOfLeadingZeros(orderMask);
                boolean smallerAllowed = orderMask != (1L << order);
                pfn = buddy.allocPages(smallerAllowed ? flags | Gfp.__GFP_NORETRY | Gfp.__GFP_NOWARN : flags, order);
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
            flags |= Gfp.__GFP_NOWARN | Gfp.__GFP_HIGHMEM;
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

    @Override
    public void free(DmaDevice dev, Allocation allocation, long attrs) {
        Held h = (Held) allocation.cookie();
        CoherentBuffer b = allocation.buffer();
        unmap(h.domain(), b.dmaHandle(), b.size());
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
