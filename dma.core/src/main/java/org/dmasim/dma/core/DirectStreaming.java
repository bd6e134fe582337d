package org.dmasim.dma.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.dmasim.api.backend.RuntimeServices.Served;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * The streaming half of dma-direct ({@code kernel/dma/direct.c} and {@code direct.h}, 6.1 and 6.12):
 * map, unmap and sync of single buffers and lists for a device without DMA ops, with
 * {@code swiotlb_map} of {@code kernel/dma/swiotlb.c}.
 *
 * <p>{@code dma_direct_map_page}: the bus address is {@code phys_to_dma(phys)}; a device whose
 * pool forces bouncing ({@code swiotlb=force}, a {@code restricted-dma-pool}) bounces; a device
 * that cannot reach the address ({@code dma_capable}: the last byte at most
 * {@code min_not_zero(*dma_mask, bus_dma_limit)}), or (6.5+) a buffer that may be a kmalloc object
 * sharing cache lines with another ({@link #kmallocNeedsBounce}), bounces when its pool has slots
 * ({@code is_swiotlb_active}), else gets the kernel's overflow warning and
 * {@code DMA_MAPPING_ERROR}; a non-coherent device then gets {@code arch_sync_dma_for_device}
 * unless DMA_ATTR_SKIP_CPU_SYNC.
 *
 * <p>The order of copies and cache maintenance is 6.1's, and it matters on a non-coherent arm64
 * device: a bounce map copies the original into the bounce buffer (a CPU copy, so into the CPU
 * cache) and then cleans the bounce buffer's lines ({@code arch_sync_dma_for_device} on the bounce
 * address); sync for the device copies first, then cleans; sync for the CPU invalidates the bounce
 * buffer's lines first (so the CPU reads what the device wrote), then copies back; unmap is a sync
 * for the CPU (unless SKIP_CPU_SYNC) and then frees the slots. Whether an address is a bounce
 * buffer is {@code is_swiotlb_buffer}: an address test on the pool the mapping bounced through (the
 * device's current pool for an address no recorded mapping holds).
 *
 * <p>Lists map entry by entry, never merged, each entry bouncing or not on its own; a failed entry
 * unmaps the ones before it (SKIP_CPU_SYNC) and fails the list with -EIO. A list holds the swiotlb
 * instance once, however many of its entries bounced.
 *
 * <p>The swiotlb pool is looked up when a call is made ({@link DmaEnv#tlbMem}); a mapping that
 * bounced holds that instance ({@link Mapping#holdBounce}), so that its unmap and syncs reach the
 * same pool after a newer instance took over.
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

    /**
     * {@code dma_direct_map_page} when it maps without bouncing: the bus address, the cache
     * maintenance done. DMA_MAPPING_ERROR, nothing done, when the buffer would bounce or the map
     * fails, or the device has no DMA mask: {@link #mapPage} of a {@link Mapping} does that (and
     * says why), the caller warns of the mask.
     *
     * <p>The fast path of every unbounced map, so kept small enough to inline (every test is a
     * branch the JIT must keep): {@code dma_capable}'s limit is one field of the device (worked
     * out when a mask changes), the bus address needs no range walk without {@code dma-ranges},
     * and the pool is asked whether it forces bouncing only when the serving swiotlb instance
     * changed ({@link #poolMapsDirect}).
     */
    long mapUnbounced(Device dev, long phys, long size, DmaDirection dir, long attrs) {
        long limit = dev.mapLimit(); // 0: no DMA mask
        if (dev.plainDirect) {
            // The bus address is phys (DMA_MAPPING_ERROR itself, -1, fails the limit test or is
            // returned as a failure: either way the caller's slow path decides).
            return limit != 0 && Long.compareUnsigned(phys + size - 1, limit) <= 0 && poolMapsDirect(dev) ? phys
                : DmaOps.DMA_MAPPING_ERROR;
        }
        long dma = dev.physToDma(phys);
        if (limit == 0 || !poolMapsDirect(dev) || dma == DmaOps.DMA_MAPPING_ERROR
            || Long.compareUnsigned(dma + size - 1, limit) > 0 || kmallocNeedsBounce(dev, size, dir)) {
            return DmaOps.DMA_MAPPING_ERROR;
        }
        if (!dev.coherent() && (attrs & DmaAttrs.SKIP_CPU_SYNC) == 0) {
            env.arch().syncDmaForDevice(phys, size, dir);
        }
        return dma;
    }

    /**
     * Whether the device's pool ({@code dev->dma_io_tlb_mem}) in the swiotlb instance serving now
     * (or none) does not force bouncing. {@code mem->force_bounce} is set when a pool is
     * initialised and never changes, so the answer is fixed per serving instance: the device keeps
     * the last instance that said no ({@link Device#directServed}; null, the initial value, is "no
     * swiotlb", which forces nothing), and a map asks the pool again only after another instance
     * took over. A device with a {@code restricted-dma-pool} never keeps one: its pool forces.
     */
    private boolean poolMapsDirect(Device dev) {
        Served<SwiotlbPool> served = env.swiotlbNow().get();
        return served == dev.directServed || poolMapsDirect(dev, served);
    }

    private boolean poolMapsDirect(Device dev, Served<SwiotlbPool> served) {
        SwiotlbPool pool = DmaEnv.tlbMem(dev, served);
        if (pool != null && pool.forceBounce()) {
            return false;
        }
        if (dev.restrictedPool == null) {
            dev.directServed = served; // any thread may store it: every value stored is a correct answer
        }
        return true;
    }

    /** Whether dma-direct maps [dma, dma + size) as it is: no forced bounce, the device reaches it, no kmalloc bounce. */
    private boolean direct(Device dev, long dma, long size, DmaDirection dir, SwiotlbPool pool) {
        return (pool == null || !pool.forceBounce()) && capable(dev, dma, size) && !kmallocNeedsBounce(dev, size, dir);
    }

    private long mapRange(Mapping m, long phys, long size) {
        Device dev = m.dev;
        long dma = DmaAddress.physToDma(dev, phys);
        Served<SwiotlbPool> served = env.swiotlbNow().get();
        SwiotlbPool pool = DmaEnv.tlbMem(dev, served);
        if (direct(dev, dma, size, m.dir, pool)) {
            if (!dev.coherent() && (m.attrs & DmaAttrs.SKIP_CPU_SYNC) == 0) {
                env.arch().syncDmaForDevice(phys, size, m.dir);
            }
            return dma;
        }
        if (pool != null && (pool.forceBounce() || pool.nslabs() > 0)) {
            return swiotlbMap(m, served, pool, phys, size);
        }
        warnOnce("dma_direct_map_page", dev.driverString() + " " + dev.name() + ": " + overflow("DMA addr", dev,
            dma, size));
        return DmaOps.DMA_MAPPING_ERROR;
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

    /** The overflow warnings' text ({@code %pad+%zu ... mask %llx, bus limit %llx}). */
    private static String overflow(String what, Device dev, long dma, long size) {
        return String.format("%s 0x%016x+%d overflow (mask %x, bus limit %x).", what, dma, size, dev.dmaMask(),
            dev.busDmaLimit());
    }

    /**
     * {@code swiotlb_map}: slots from the device's pool ({@code swiotlb_tbl_map_single} copies the
     * original in), a bounce buffer the device cannot reach is given back with the kernel's
     * warning, and a non-coherent device gets its cache maintenance on the bounce buffer. The
     * mapping holds the swiotlb instance that served.
     */
    private long swiotlbMap(Mapping m, Served<SwiotlbPool> served, SwiotlbPool pool, long phys, long size) {
        Device dev = m.dev;
        boolean first = m.bouncePool() == null;
        if (!m.holdBounce(served.instance(), pool, 0)) {
            Served<SwiotlbPool> now = env.swiotlbNow().get();
            if (first && now != null && now.instance() != served.instance()) {
                // Replaced between the look-up and the hold: the work goes to the instance serving
                // now (a newer one each time, so this ends), as if the map had started a moment later.
                return mapRange(m, phys, size);
            }
            env.log().dmasim(String.format("%s %s: swiotlb instance %s takes no new work (or the list bounced through"
                + " another): the bounce of [mem 0x%016x-0x%016x] fails with DMA_MAPPING_ERROR", dev.driverString(),
                dev.name(), served.instance().id(), phys, phys + size - 1));
            return DmaOps.DMA_MAPPING_ERROR;
        }
        long tlb;
        try {
            tlb = pool.tblMapSingle(dev, phys, size, size, 0, m.dir, m.attrs);
        } catch (RuntimeException e) {
            if (first) {
                m.dropBounce(); // a kernel BUG refused: the map never happened
            }
            throw e;
        }
        if (tlb == SwiotlbPool.MAPPING_ERROR) {
            return DmaOps.DMA_MAPPING_ERROR;
        }
        long dma = DmaAddress.physToDma(dev, tlb);
        if (!capable(dev, dma, size)) {
            pool.tblUnmapSingle(dev, tlb, size, m.dir, m.attrs | DmaAttrs.SKIP_CPU_SYNC);
            warnOnce("swiotlb_map", dev.driverString() + " " + dev.name() + ": " + overflow("swiotlb addr", dev, dma,
                size));
            return DmaOps.DMA_MAPPING_ERROR;
        }
        if (!dev.coherent() && (m.attrs & DmaAttrs.SKIP_CPU_SYNC) == 0) {
            env.arch().syncDmaForDevice(tlb, size, m.dir);
        }
        return dma;
    }

    /** The pool holding {@code phys} as a bounce buffer: the mapping's, else (no mapping) the device's now. */
    private SwiotlbPool bouncing(Device dev, Mapping m, long phys) {
        SwiotlbPool pool = m != null ? m.bouncePool() : env.tlbMem(dev);
        return pool != null && pool.isSwiotlbBuffer(phys) ? pool : null;
    }

    /** {@code dma_direct_unmap_page}: sync for the CPU (unless SKIP_CPU_SYNC), then free a bounce buffer's slots. */
    void unmapPage(Mapping m, long dma, long size, DmaDirection dir, long attrs) {
        if ((attrs & DmaAttrs.SKIP_CPU_SYNC) == 0) {
            syncForCpu(m.dev, m, dma, size, dir);
        }
        SwiotlbPool pool = m.bouncePool();
        if (pool != null) {
            long phys = DmaAddress.dmaToPhys(m.dev, dma);
            if (pool.isSwiotlbBuffer(phys)) {
                pool.tblUnmapSingle(m.dev, phys, size, dir, attrs | DmaAttrs.SKIP_CPU_SYNC);
            }
        }
    }

    /** {@code dma_direct_unmap_page} of a mapping that did not bounce: the sync for the CPU (unless SKIP_CPU_SYNC). */
    void unmapUnbounced(Device dev, long dma, long size, DmaDirection dir, long attrs) {
        if ((attrs & DmaAttrs.SKIP_CPU_SYNC) == 0 && !dev.coherent()) {
            env.arch().syncDmaForCpu(DmaAddress.dmaToPhys(dev, dma), size, dir);
        }
    }

    /** {@code dma_direct_sync_single_for_cpu}: the architecture's maintenance, then the copy back from a bounce buffer. */
    void syncForCpu(Device dev, Mapping m, long dma, long size, DmaDirection dir) {
        long phys = DmaAddress.dmaToPhys(dev, dma);
        if (!dev.coherent()) {
            env.arch().syncDmaForCpu(phys, size, dir);
        }
        SwiotlbPool pool = bouncing(dev, m, phys);
        if (pool != null) {
            pool.syncSingleForCpu(dev, phys, size, dir);
        }
    }

    /** {@code dma_direct_sync_single_for_device}: the copy into a bounce buffer, then the architecture's maintenance. */
    void syncForDevice(Device dev, Mapping m, long dma, long size, DmaDirection dir) {
        long phys = DmaAddress.dmaToPhys(dev, dma);
        SwiotlbPool pool = bouncing(dev, m, phys);
        if (pool != null) {
            pool.syncSingleForDevice(dev, phys, size, dir);
        }
        if (!dev.coherent()) {
            env.arch().syncDmaForDevice(phys, size, dir);
        }
    }

    /**
     * {@code dma_direct_map_sg}: every entry through {@link #mapRange}, DMA length = length; the
     * first failure unmaps the entries before it (SKIP_CPU_SYNC) and fails the list with -EIO.
     */
    int mapSg(Mapping m) {
        int i = 0;
        try {
            for (; i < m.sgCallEnts(); i++) {
                long dma = mapRange(m, m.sg().phys(i), m.sg().length(i));
                if (dma == DmaOps.DMA_MAPPING_ERROR) {
                    unmapFirst(m, i);
                    return -org.dmasim.api.boot.Errno.EIO;
                }
                m.sg().setDma(i, dma, m.sg().length(i));
            }
        } catch (RuntimeException e) {
            unmapFirst(m, i); // a kernel BUG refused on the way: nothing stays mapped
            throw e;
        }
        return m.sgCallEnts();
    }

    private void unmapFirst(Mapping m, int n) {
        for (int k = 0; k < n; k++) {
            unmapPage(m, m.sg().dmaAddress(k), m.sg().dmaLength(k), m.dir, m.attrs | DmaAttrs.SKIP_CPU_SYNC);
        }
        m.sg().clearDma();
    }

    /** {@code dma_direct_unmap_sg}: each entry, as mapped. */
    void unmapSg(Mapping m, int nents, DmaDirection dir, long attrs) {
        for (int i = 0; i < nents; i++) {
            unmapPage(m, m.sg().dmaAddress(i), m.sg().dmaLength(i), dir, attrs);
        }
    }

    /** {@code dma_direct_sync_sg_for_cpu}: each entry, its CPU-side length. */
    void syncSgForCpu(Mapping m, int nents, DmaDirection dir) {
        for (int i = 0; i < nents; i++) {
            syncForCpu(m.dev, m, m.sg().dmaAddress(i), m.sg().length(i), dir);
        }
    }

    /** {@code dma_direct_sync_sg_for_device}. */
    void syncSgForDevice(Mapping m, int nents, DmaDirection dir) {
        for (int i = 0; i < nents; i++) {
            syncForDevice(m.dev, m, m.sg().dmaAddress(i), m.sg().length(i), dir);
        }
    }

    /**
     * {@code dma_direct_map_resource}: the physical address is the bus address (6.1 does not
     * translate it); one the device cannot reach gets {@code dev_err_once} (an error, where
     * {@code dma_direct_map_page}'s same words are a warning) plus a WARN and DMA_MAPPING_ERROR.
     * Never bounced, whatever swiotlb offers.
     */
    long mapResource(Mapping m) {
        long dma = m.phys;
        if (!capable(m.dev, dma, m.size)) {
            if (warnedOnce.add("dma_direct_map_resource")) {
                env.log().err(m.dev.driverString() + " " + m.dev.name() + ": " + overflow("DMA addr", m.dev, dma,
                    m.size));
            }
            return DmaOps.DMA_MAPPING_ERROR;
        }
        return dma;
    }

    /** {@code dma_direct_need_sync}: non-coherent, or the address is a bounce buffer. */
    boolean needSync(Device dev, Mapping m, long dma) {
        return !dev.coherent() || bouncing(dev, m, DmaAddress.dmaToPhys(dev, dma)) != null;
    }

    /**
     * The mapping's swiotlb instance is forced out: what the device may have written into its
     * bounce buffers is synced back to the original (cache maintenance and copy, as an unmap for
     * FROM_DEVICE and BIDIRECTIONAL does), so that nothing is lost when the pool's memory goes
     * back, and the slots are freed. A direct mapping holds no backend and has nothing to do.
     */
    void revoke(Mapping m) {
        if (m.bouncePool() == null) {
            return;
        }
        if (m.kind == Mapping.Kind.SG) {
            for (int i = 0; i < m.sgMappedEnts(); i++) {
                unmapPage(m, m.sg().dmaAddress(i), m.sg().dmaLength(i), m.dir, 0);
            }
        } else {
            unmapPage(m, m.dmaHandle, m.size, m.dir, 0);
        }
    }

    private void warnOnce(String site, String line) {
        if (warnedOnce.add(site)) {
            env.log().warn(line);
        }
    }
}
