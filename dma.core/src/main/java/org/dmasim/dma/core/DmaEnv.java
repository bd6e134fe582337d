package org.dmasim.dma.core;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.backend.RuntimeServices;
import org.dmasim.api.backend.RuntimeServices.Current;
import org.dmasim.api.backend.RuntimeServices.Served;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.device.DmaRange;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.api.slab.Kmalloc;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * What dma-direct reads from the rest of the kernel: the facts of the boot, captured once
 * (they never change while the platform runs), and the backends that can be replaced while it
 * runs (swiotlb, CMA, the atomic pools), looked up in {@code services} at every call, never kept.
 *
 * @param zoneDmaLimit the highest address of ZONE_DMA as dma-direct compares against it:
 *     {@code DMA_BIT_MASK(zone_dma_bits)} (6.1), {@code zone_dma_limit} (6.12)
 * @param zoneDma CONFIG_ZONE_DMA
 * @param zoneDma32 CONFIG_ZONE_DMA32
 * @param maxPfn {@code max_pfn}: one past the last pfn of RAM
 * @param swiotlbNow the swiotlb pool serving now ({@code io_tlb_default_mem}, which every
 *     device's {@code dma_io_tlb_mem} points at): a live view of the platform's run-time services
 * @param cmaNow the CMA areas serving now (a live view)
 * @param poolsNow the atomic pools serving now (a live view)
 * @param cmaAlignment CONFIG_CMA_ALIGNMENT
 * @param memory memblock.memory, for telling no-map (not System RAM) regions from RAM
 * @param bounceUnalignedKmalloc CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC (6.5+, arm64): small buffers
 *     of non-coherent devices may be kmalloc objects sharing cache lines, and are bounced
 * @param kmallocNow the kmalloc caches serving now, for {@code kmalloc_size_roundup()} (a live view)
 * @param kernel dma-direct's rules of the platform's kernel
 */
record DmaEnv(ArchDma arch, KernelVm vm, PageAllocator buddy, Current<SwiotlbPool> swiotlbNow,
    Current<CmaAreas> cmaNow, Current<AtomicPools> poolsNow, long zoneDmaLimit, boolean zoneDma, boolean zoneDma32,
    long maxPfn, int cmaAlignment, List<Memblock.Region> memory, BootLog log, boolean bounceUnalignedKmalloc,
    Current<Kmalloc> kmallocNow, DirectKernel kernel) {

    /** The environment of one platform, whose replaceable backends are read from {@code services} at each call. */
    static DmaEnv of(ArchDma arch, KernelVm vm, PageAllocator buddy, RuntimeServices services, long zoneDmaLimit,
        boolean zoneDma, boolean zoneDma32, long maxPfn, int cmaAlignment, List<Memblock.Region> memory, BootLog log,
        boolean bounceUnalignedKmalloc, DirectKernel kernel) {
        return new DmaEnv(arch, vm, buddy, services.current(SwiotlbPool.class), services.current(CmaAreas.class),
            services.current(AtomicPools.class), zoneDmaLimit, zoneDma, zoneDma32, maxPfn, cmaAlignment, memory, log,
            bounceUnalignedKmalloc, services.current(Kmalloc.class), kernel);
    }

    /**
     * {@code kmalloc_size_roundup(size)} of the kmalloc caches serving now; without the mm.slab
     * backend there are no size classes to round to, and the size is taken as it is.
     */
    long kmallocSizeRoundup(long size) {
        return kmallocNow.optional().map(s -> s.service().sizeRoundup(size)).orElse(size);
    }

    /** The swiotlb instance serving now, if the swiotlb backend runs. */
    Optional<Served<SwiotlbPool>> swiotlb() {
        return swiotlbNow.optional();
    }

    /** The CMA instance serving now. */
    Optional<Served<CmaAreas>> cma() {
        return cmaNow.optional();
    }

    /** The atomic pools serving now. */
    Optional<Served<AtomicPools>> atomicPools() {
        return poolsNow.optional();
    }

    /** {@code dma_contiguous_default_area} of the CMA instance serving now (an area that failed activation has no pages). */
    Optional<CmaArea> defaultCma() {
        return cma().flatMap(s -> s.service().defaultArea()).filter(a -> a.count() > 0);
    }

    /**
     * {@code dev->dma_io_tlb_mem} of the swiotlb instance {@code served}: the device's
     * {@code restricted-dma-pool}, else the default pool; null when {@code served} is null (no
     * swiotlb instance runs) or the device's restricted pool is unknown to it.
     */
    static SwiotlbPool tlbMem(Device dev, Served<SwiotlbPool> served) {
        if (served == null) {
            return null;
        }
        String restricted = dev.restrictedPool;
        return restricted == null ? served.service() : served.service().restricted(restricted).orElse(null);
    }

    /** {@code dev->dma_io_tlb_mem} now. */
    SwiotlbPool tlbMem(Device dev) {
        return tlbMem(dev, swiotlbNow.get());
    }

    /** {@code is_swiotlb_active(dev)}: the device's bounce pool has slots. */
    boolean swiotlbActive(Device dev) {
        SwiotlbPool p = tlbMem(dev);
        return p != null && p.nslabs() > 0;
    }

    /**
     * {@code is_swiotlb_force_bounce(dev)}: {@code swiotlb=force} made the default pool bounce
     * everything, or the device has a restricted pool. {@code mem->force_bounce} is only set when
     * the pool is initialised, so no pool, no force.
     */
    boolean swiotlbForceBounce(Device dev) {
        SwiotlbPool p = tlbMem(dev);
        return p != null && p.nslabs() > 0 && p.forceBounce();
    }

    /** {@code region_intersects(..., IORESOURCE_SYSTEM_RAM)}: the parts of RAM without NOMAP. */
    boolean intersectsSystemRam(long phys, long size) {
        for (Memblock.Region r : memory) {
            if ((r.flags() & Memblock.NOMAP) == 0 && r.base() < phys + size && phys < r.end()) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code dma_direct_all_ram_mapped} (6.11+): whether every page of System RAM (memblock.memory
     * without its no-map regions, as the RAM resources are registered) lies inside one of the
     * device's {@code dma-ranges} windows; true for a device without a range map.
     */
    boolean allRamMapped(Device dev) {
        List<DmaRange> windows = dev.dmaRanges();
        if (windows.isEmpty()) {
            return true;
        }
        for (Memblock.Region r : memory) {
            if ((r.flags() & Memblock.NOMAP) != 0) {
                continue;
            }
            // walk_system_ram_range hands over whole pages of the resource
            long pfn = (r.base() + Page.PAGE_SIZE - 1) >>> Page.PAGE_SHIFT;
            long endPfn = r.end() >>> Page.PAGE_SHIFT;
            while (pfn < endPfn) {
                long next = -1;
                for (DmaRange w : windows) {
                    long first = w.cpuStart() >>> Page.PAGE_SHIFT;
                    long pages = w.size() >>> Page.PAGE_SHIFT;
                    if (pfn >= first && pfn - first < pages) {
                        next = first + pages;
                        break;
                    }
                }
                if (next < 0) {
                    return false;
                }
                pfn = next;
            }
        }
        return true;
    }

    /** Whether [phys, phys + size) is no-map memory (RAM the kernel does not map). */
    boolean isNomap(long phys, long size) {
        long at = phys;
        for (Memblock.Region r : memory) {
            if ((r.flags() & Memblock.NOMAP) != 0 && r.base() <= at && at < r.end()) {
                at = r.end();
                if (at >= phys + size) {
                    return true;
                }
            }
        }
        return false;
    }
}
