package org.dmasim.dma.core;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * What dma-direct reads from the rest of the kernel, captured once at boot.
 *
 * @param zoneDmaLimit the highest address of ZONE_DMA as dma-direct compares against it:
 *     {@code DMA_BIT_MASK(zone_dma_bits)} (6.1), {@code zone_dma_limit} (6.12)
 * @param zoneDma CONFIG_ZONE_DMA
 * @param zoneDma32 CONFIG_ZONE_DMA32
 * @param maxPfn {@code max_pfn}: one past the last pfn of RAM
 * @param swiotlb the default bounce pool ({@code io_tlb_default_mem}), which every device's
 *     {@code dma_io_tlb_mem} points at; empty when swiotlb is not built in
 * @param cmaAlignment CONFIG_CMA_ALIGNMENT
 * @param memory memblock.memory, for telling no-map (not System RAM) regions from RAM
 */
record DmaEnv(ArchDma arch, KernelVm vm, PageAllocator buddy, Optional<CmaArea> defaultCma,
    Optional<AtomicPools> atomicPools, long zoneDmaLimit, boolean zoneDma, boolean zoneDma32, long maxPfn,
    Optional<SwiotlbPool> swiotlb, int cmaAlignment, List<Memblock.Region> memory, BootLog log) {

    /** {@code is_swiotlb_active(dev)}: the device's bounce pool has slots. */
    boolean swiotlbActive() {
        return swiotlb.map(p -> p.nslabs() > 0).orElse(false);
    }

    /**
     * {@code is_swiotlb_force_bounce(dev)}: {@code swiotlb=force} made the pool bounce everything.
     * {@code mem->force_bounce} is only set when the pool is initialised, so no pool, no force.
     */
    boolean swiotlbForceBounce() {
        return swiotlbActive() && swiotlb.get().forceBounce();
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
