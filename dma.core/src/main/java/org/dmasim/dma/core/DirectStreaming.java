package org.dmasim.dma.core;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.dmasim.api.backend.RuntimeServices.Served;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * The streaming half of dma-direct ({@code kernel/dma/direct.c} and {@code direct.h}, 6.1 and 6.12):
 * map, unmap and sync of single buffers and lists for a device without DMA ops.
 *
 * <p>{@code dma_direct_map_page}: the bus address is {@code phys_to_dma(phys)}; with
 * {@code swiotlb=force} the buffer bounces; a device that cannot reach the address
 * ({@code dma_capable}: the last byte at most {@code min_not_zero(*dma_mask, bus_dma_limit)}),
 * or (6.5+) a buffer that may be a kmalloc object sharing cache lines with another
 * ({@link #kmallocNeedsBounce}), bounces when swiotlb is active, else gets the kernel's overflow
 * warning and {@code DMA_MAPPING_ERROR}; a non-coherent device then gets
 * {@code arch_sync_dma_for_device} unless DMA_ATTR_SKIP_CPU_SYNC. Unmap syncs for the CPU
 * (unless SKIP_CPU_SYNC) and frees a bounce buffer; syncs call the architecture's cache
 * maintenance for non-coherent devices and copy bounce buffers. Lists map entry by entry, never
 * merged; a failed entry unmaps the ones before it and fails the list with -EIO.
 *
 * <p>The two seams of issue 8: the swiotlb pool is looked up when a call is made
 * ({@link DmaEnv#swiotlb()}), and bouncing through it is {@link #swiotlbMap} (with
 * {@link #bounced} for unmap and syncs); the cache maintenance is {@link org.dmasim.api.dma.ArchDma}'s
 * {@code syncDmaForDevice}/{@code syncDmaForCpu}. Until the swiotlb bundle maps slots
 * (issue 8 §5), a mapping that needs a bounce buffer fails with a {@code dmasim:} remark saying so.
 */
final class DirectStreaming {
    private final DmaEnv env;
    /** WARN_ONCE call sites that fired already on this platform. */
    private final Set<String> warnedOnce = ConcurrentHashMap.newKeySet();

    DirectStreaming(DmaEnv env) {
        this.env = env;
    }

    /** {@code dma_direct_map_page} of the mapping's one range. */
    long mapPage(Mapping m) {
        return mapRange(m, m.phys, m.size);
    }

    private long mapRange(Mapping m, long phys, long size) {
        Device dev = m.dev;
        long dma = DmaAddress.physToDma(dev, phys);
        if (env.swiotlbForceBounce()) {
            return swiotlbMap(m, phys, size, "swiotlb=force");
        }
        boolean capable = capable(dev, dma, size);
        if (!capable || kmallocNeedsBounce(dev, size, m.dir)) {
            if (env.swiotlbActive()) {
                return swiotlbMap(m, phys, size, capable ? "a buffer of " + size + " bytes may be a kmalloc object"
                    + " sharing a cache line (dma_kmalloc_needs_bounce)" : "it cannot reach the buffer");
            }
            warnOnce("dma_direct_map_page", dev.driverString() + " " + dev.name() + ": " + overflow(dev, dma, size));
            return DmaOps.DMA_MAPPING_ERROR;
        }
        if (!dev.coherent() && (m.attrs & DmaAttrs.SKIP_CPU_SYNC) == 0) {
            env.arch().syncDmaForDevice(phys, size, m.dir);
        }
        return dma;
    }

    /**
     * {@code dma_kmalloc_needs_bounce(dev, size, dir)} ({@code include/linux/dma-map-ops.h}, from
     * 6.5 on): with CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC kmalloc objects are only 8-byte aligned,
     * so a non-coherent device's mapping that the CPU's cache maintenance could corrupt (any
     * direction but DMA_TO_DEVICE) bounces unless its size rules out a shared line: at least
     * {@code 2 * ARCH_DMA_MINALIGN}, or a kmalloc size class that is a multiple of
     * {@code dma_get_cache_alignment()}. Without the option (6.1, x86) nothing bounces for this.
     */
    private boolean kmallocNeedsBounce(Device dev, long size, DmaDirection dir) {
        if (!env.bounceUnalignedKmalloc() || dev.coherent() || dir == DmaDirection.TO_DEVICE) {
            return false; // dma_kmalloc_safe()
        }
        boolean sizeAligned = size >= 2L * env.arch().dmaMinalign()
            || env.kmallocSizeRoundup(size) % env.arch().cacheAlignment() == 0;
        return !sizeAligned;
    }

    /** {@code dma_capable(dev, addr, size, true)} on a 64-bit kernel. */
    static boolean capable(Device dev, long dma, long size) {
        if (dma == DmaOps.DMA_MAPPING_ERROR) {
            return false;
        }
        long end = dma + size - 1;
        return Long.compareUnsigned(end, DmaAddress.minNotZero(dev.dmaMask(), dev.busDmaLimit())) <= 0;
    }

    /** The overflow warning's text ({@code %pad+%zu ... mask %llx, bus limit %llx}). */
    private static String overflow(Device dev, long dma, long size) {
        return String.format("DMA addr 0x%016x+%d overflow (mask %x, bus limit %x).", dma, size, dev.dmaMask(),
            dev.busDmaLimit());
    }

    /**
     * {@code swiotlb_map}: bounce the range through the swiotlb pool serving now. Issue 8 §5 makes
     * the swiotlb bundle map slots; the mapping then holds the pool's instance
     * ({@link Mapping#holdBackend}) so that its unmap and syncs reach that pool even after a
     * newer one took over. Until then the map fails, and says why.
     */
    private long swiotlbMap(Mapping m, long phys, long size, String why) {
        Optional<Served<SwiotlbPool>> pool = env.swiotlb();
        env.log().dmasim(String.format("%s %s: dma_map needs a swiotlb bounce buffer for [mem 0x%016x-0x%016x] (%s),"
            + " and %s does not map slots yet (swiotlb at run time, issue 8 section 5): DMA_MAPPING_ERROR",
            m.dev.driverString(), m.dev.name(), phys, phys + size - 1, why,
            pool.map(p -> p.instance().id()).orElse("no swiotlb instance")));
        return DmaOps.DMA_MAPPING_ERROR;
    }

    /** {@code is_swiotlb_buffer} for a recorded mapping: whether it bounced (it holds a swiotlb instance). */
    private static boolean bounced(Mapping m) {
        return m != null && m.backendOrNull() != null && m.backendOrNull().kind().equals("swiotlb");
    }

    /** {@code dma_direct_unmap_page}. */
    void unmapPage(Mapping m, long dma, long size, DmaDirection dir, long attrs) {
        if ((attrs & DmaAttrs.SKIP_CPU_SYNC) == 0) {
            syncForCpu(m, dma, size, dir);
        }
        // swiotlb_tbl_unmap_single of a bounced mapping frees its slots here (issue 8 section 5).
    }

    /** {@code dma_direct_sync_single_for_cpu}. */
    void syncForCpu(Mapping m, long dma, long size, DmaDirection dir) {
        Device dev = m.dev;
        if (!dev.coherent()) {
            env.arch().syncDmaForCpu(DmaAddress.dmaToPhys(dev, dma), size, dir);
        }
        // A bounced mapping copies bounce -> original here (swiotlb_sync_single_for_cpu).
    }

    /** {@code dma_direct_sync_single_for_device}. */
    void syncForDevice(Device dev, Mapping m, long dma, long size, DmaDirection dir) {
        long phys = DmaAddress.dmaToPhys(dev, dma);
        // A bounced mapping copies original -> bounce here first (swiotlb_sync_single_for_device).
        if (!dev.coherent()) {
            env.arch().syncDmaForDevice(phys, size, dir);
        }
    }

    /** {@code dma_direct_sync_single_for_cpu} on an address no recorded mapping holds. */
    void syncForCpu(Device dev, long dma, long size, DmaDirection dir) {
        if (!dev.coherent()) {
            env.arch().syncDmaForCpu(DmaAddress.dmaToPhys(dev, dma), size, dir);
        }
    }

    /**
     * {@code dma_direct_map_sg}: every entry through {@link #mapRange}, DMA length = length; the
     * first failure unmaps the entries before it (SKIP_CPU_SYNC) and fails the list with -EIO.
     */
    int mapSg(Mapping m) {
        for (int i = 0; i < m.sgCallEnts(); i++) {
            long dma = mapRange(m, m.sg().phys(i), m.sg().length(i));
            if (dma == DmaOps.DMA_MAPPING_ERROR) {
                for (int k = 0; k < i; k++) {
                    unmapPage(m, m.sg().dmaAddress(k), m.sg().dmaLength(k), m.dir, m.attrs | DmaAttrs.SKIP_CPU_SYNC);
                }
                m.sg().clearDma();
                return -org.dmasim.api.boot.Errno.EIO;
            }
            m.sg().setDma(i, dma, m.sg().length(i));
        }
        return m.sgCallEnts();
    }

    /** {@code dma_direct_unmap_sg}: each entry, as mapped. */
    void unmapSg(Mapping m, int nents, DmaDirection dir, long attrs) {
        for (int i = 0; i < nents; i++) {
            unmapPage(m, m.sg().dmaAddress(i), m.sg().dmaLength(i), dir, attrs);
        }
    }

    /** {@code dma_direct_sync_sg_for_cpu}. */
    void syncSgForCpu(Mapping m, int nents, DmaDirection dir) {
        for (int i = 0; i < nents; i++) {
            syncForCpu(m, m.sg().dmaAddress(i), m.sg().dmaLength(i), dir);
        }
    }

    /** {@code dma_direct_sync_sg_for_device}. */
    void syncSgForDevice(Mapping m, int nents, DmaDirection dir) {
        for (int i = 0; i < nents; i++) {
            syncForDevice(m.dev, m, m.sg().dmaAddress(i), m.sg().dmaLength(i), dir);
        }
    }

    /**
     * {@code dma_direct_map_resource}: the physical address is the bus address (6.1 does not
     * translate it); one the device cannot reach gets {@code dev_err_once} plus a WARN and
     * DMA_MAPPING_ERROR.
     */
    long mapResource(Mapping m) {
        long dma = m.phys;
        if (!capable(m.dev, dma, m.size)) {
            warnOnce("dma_direct_map_resource", m.dev.driverString() + " " + m.dev.name() + ": "
                + overflow(m.dev, dma, m.size));
            return DmaOps.DMA_MAPPING_ERROR;
        }
        return dma;
    }

    /** {@code dma_direct_need_sync}: non-coherent, or the address is a bounce buffer. */
    boolean needSync(Device dev, Mapping m) {
        return !dev.coherent() || bounced(m);
    }

    /**
     * The mapping's backend is forced out: a bounce buffer the device may have written is copied
     * back to the original (the copy of an unmap for FROM_DEVICE and BIDIRECTIONAL mappings), so
     * that nothing is lost when the pool's memory goes back. Without bounce buffers (issue 8 §5)
     * a direct mapping holds no backend and nothing is to copy.
     */
    void revoke(Mapping m) {
        if (bounced(m) && m.dir != DmaDirection.TO_DEVICE) {
            // swiotlb_sync_single_for_cpu of the whole mapping goes here with issue 8 section 5.
            syncForCpu(m, m.dmaHandle, m.size, m.dir);
        }
    }

    private void warnOnce(String site, String line) {
        if (warnedOnce.add(site)) {
            env.log().warn(line);
        }
    }
}
