package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.mm.Page;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * dma-direct as a {@link DmaOps} table: what {@code kernel/dma/mapping.c} calls when a device
 * has no {@code dma_ops} (or bypasses them). The kernel calls the {@code dma_direct_*} functions
 * by name; dmasim gives them the same shape as every other ops table, so that dispatch and the
 * records of who made what are one mechanism. Coherent memory is {@link DmaDirect}, streaming
 * {@link DirectStreaming}; the device limits are here.
 */
final class DirectOps implements DmaOps {
    private final DmaEnv env;
    private final DmaDirect coherent;
    private final DirectStreaming streaming;

    DirectOps(DmaEnv env) {
        this.env = env;
        this.coherent = new DmaDirect(env);
        this.streaming = new DirectStreaming(env);
    }

    /** The streaming half, which mapping.c's fast path calls without going through this table. */
    DirectStreaming streaming() {
        return streaming;
    }

    private static Device dev(DmaDevice d) {
        return (Device) d;
    }

    private static Mapping rec(StreamingMapping m) {
        return (Mapping) m;
    }

    @Override
    public String name() {
        return DIRECT;
    }

    // ---- coherent ----

    @Override
    public Optional<Allocation> alloc(DmaDevice d, long size, int gfp, long attrs) {
        return coherent.alloc(dev(d), size, gfp, attrs);
    }

    @Override
    public void free(DmaDevice d, Allocation a, long attrs) {
        coherent.free(dev(d), a);
    }

    @Override
    public Optional<Allocation> allocPages(DmaDevice d, long size, DmaDirection dir, int gfp) {
        return coherent.allocLinearPages(dev(d), size, gfp, "pages");
    }

    /** {@code dma_direct_free_pages}: back to CMA or the buddy allocator. */
    @Override
    public void freePages(DmaDevice d, Allocation a, DmaDirection dir) {
        coherent.freeContiguous(DmaDirect.chunkOf(a, Page.pfnDown(a.buffer().phys())), Page.pageAlign(a.buffer().size()));
    }

    /** {@code dma_direct_mmap} past the per-device pool: the buffer's pages, if the range fits. */
    @Override
    public DmaApi.MmapResult mmap(DmaDevice d, long cpuAddr, long dmaHandle, long size, long vmaPages, long pgoff,
        long attrs) {
        long count = Page.pageAlign(size) >>> Page.PAGE_SHIFT;
        if (pgoff >= count || vmaPages > count - pgoff) {
            return new DmaApi.MmapResult(-Errno.ENXIO, List.of());
        }
        long pfn = Page.pfnDown(DmaAddress.dmaToPhys(d, dmaHandle)) + pgoff;
        List<Long> pfns = new ArrayList<>();
        for (long i = 0; i < vmaPages; i++) {
            pfns.add(pfn + i);
        }
        return new DmaApi.MmapResult(0, pfns);
    }

    /** {@code dma_direct_get_sgtable}: one entry, the buffer's pages. */
    @Override
    public Optional<SgTable> getSgtable(DmaDevice d, long cpuAddr, long dmaHandle, long size, long attrs) {
        long phys = Page.pfnPhys(Page.pfnDown(DmaAddress.dmaToPhys(d, dmaHandle)));
        return Optional.of(SgTable.one(phys, Page.pageAlign(size)));
    }

    // ---- streaming ----

    @Override
    public long mapPage(StreamingMapping m) {
        return streaming.mapPage(rec(m));
    }

    @Override
    public void unmapPage(StreamingMapping m, long size, DmaDirection dir, long attrs) {
        streaming.unmapPage(rec(m), m.dmaHandle(), size, dir, attrs);
    }

    @Override
    public int mapSg(StreamingMapping m) {
        return streaming.mapSg(rec(m));
    }

    @Override
    public void unmapSg(StreamingMapping m, int nents, DmaDirection dir, long attrs) {
        streaming.unmapSg(rec(m), nents, dir, attrs);
    }

    @Override
    public long mapResource(StreamingMapping m) {
        return streaming.mapResource(rec(m));
    }

    /** {@code dma_unmap_resource} never reaches dma-direct: an MMIO range has nothing to undo. */
    @Override
    public void unmapResource(StreamingMapping m, long size, DmaDirection dir, long attrs) {
    }

    @Override
    public void syncSingleForCpu(StreamingMapping m, DmaDevice d, long dmaHandle, long size, DmaDirection dir) {
        streaming.syncForCpu(dev(d), m == null ? null : rec(m), dmaHandle, size, dir);
    }

    @Override
    public void syncSingleForDevice(StreamingMapping m, DmaDevice d, long dmaHandle, long size, DmaDirection dir) {
        streaming.syncForDevice(dev(d), m == null ? null : rec(m), dmaHandle, size, dir);
    }

    @Override
    public void syncSgForCpu(StreamingMapping m, int nents, DmaDirection dir) {
        streaming.syncSgForCpu(rec(m), nents, dir);
    }

    @Override
    public void syncSgForDevice(StreamingMapping m, int nents, DmaDirection dir) {
        streaming.syncSgForDevice(rec(m), nents, dir);
    }

    /** {@code dma_direct_need_sync}: non-coherent, or the address is in a bounce buffer. */
    @Override
    public boolean needSync(DmaDevice d, long dmaHandle) {
        return streaming.needSync(dev(d), dev(d).mappingContaining(dmaHandle, 1), dmaHandle);
    }

    @Override
    public void revoke(StreamingMapping m) {
        streaming.revoke(rec(m));
    }

    // ---- limits ----

    /**
     * {@code dma_direct_supported}: every mask of 32 bits or more; a smaller one must still reach
     * the last page of RAM or of ZONE_DMA, whichever is lower.
     */
    @Override
    public boolean dmaSupported(DmaDevice d, long mask) {
        if (Long.compareUnsigned(mask, DmaAddress.bitMask(32)) >= 0) {
            return true;
        }
        long minMask = (env.maxPfn() - 1) << Page.PAGE_SHIFT;
        if (env.zoneDma()) {
            minMask = Long.compareUnsigned(minMask, env.zoneDmaLimit()) <= 0 ? minMask : env.zoneDmaLimit();
        }
        return Long.compareUnsigned(mask, DmaAddress.physToDma(d, minMask)) >= 0;
    }

    /** {@code dma_direct_get_required_mask}. */
    @Override
    public long requiredMask(DmaDevice d) {
        long phys = (env.maxPfn() - 1) << Page.PAGE_SHIFT;
        long maxDma = DmaAddress.physToDma(d, phys);
        int fls = 64 - Long.numberOfLeadingZeros(maxDma);
        return (1L << (fls - 1)) * 2 - 1;
    }

    /**
     * {@code dma_direct_max_mapping_size}: swiotlb's limit when {@code is_swiotlb_active(dev)} and
     * the device either cannot reach all RAM ({@code dma_addressing_limited}) or must bounce
     * anyway ({@code is_swiotlb_force_bounce}).
     */
    @Override
    public long maxMappingSize(DmaDevice d) {
        if (env.swiotlbActive(dev(d)) && (addressingLimited(d) || env.swiotlbForceBounce(dev(d)))) {
            return swiotlbMaxMappingSize(d);
        }
        return SIZE_MAX;
    }

    /**
     * {@code dma_addressing_limited}: the mask or bus limit falls short of the required mask; from
     * 6.11 also a device whose {@code dma-ranges} leave some RAM unreachable (this table is
     * dma-direct, so the kernel's "no dma_ops" condition holds).
     */
    private boolean addressingLimited(DmaDevice d) {
        long limit = DmaAddress.minNotZero(d.dmaMask(), d.busDmaLimit());
        if (Long.compareUnsigned(limit, requiredMask(d)) < 0) {
            return true;
        }
        return env.kernel().addressingLimitedWalksRam() && !env.allRamMapped(dev(d));
    }

    /** {@code swiotlb_max_mapping_size}: one segment of slots less the min_align_mask rounding. */
    private static long swiotlbMaxMappingSize(DmaDevice d) {
        long slot = 1L << SwiotlbPool.IO_TLB_SHIFT;
        long minAlign = d.minAlignMask() == 0 ? 0 : (d.minAlignMask() + slot - 1) / slot * slot;
        return slot * SwiotlbPool.IO_TLB_SEGSIZE - minAlign;
    }

    /** {@code dma_to_phys}: -1 (PHYS_ADDR_MAX) outside every window of the device's dma-ranges. */
    @Override
    public long busToPhys(DmaDevice d, long dmaHandle, long size) {
        long phys = DmaAddress.dmaToPhys(d, dmaHandle);
        if (phys == DmaAddress.PHYS_ADDR_MAX || size <= 1) {
            return phys;
        }
        long last = DmaAddress.dmaToPhys(d, dmaHandle + size - 1);
        return last == phys + size - 1 ? phys : -1;
    }
}
