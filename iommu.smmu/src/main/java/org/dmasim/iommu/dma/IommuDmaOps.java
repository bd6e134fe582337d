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
 * <li>alloc and free: {@link IommuCoherent}.</li>
 * </ul>
 * Untrusted (external-facing) PCI devices, which 6.1 bounces through swiotlb, are not modelled:
 * no dmasim device is untrusted.
 */
public final class IommuDmaOps implements DmaOps {
    /** {@code IOVA_RANGE_CACHE_MAX_SIZE}: dma_opt_mapping_size is PAGE_SIZE << (6 - 1). */
    static final long OPT_MAPPING_SIZE = Page.PAGE_SIZE << 5;

    private final IommuDevices devices;
    private volatile Optional<BackendInstance> instance = Optional.empty();
    private final ArchDma arch;
    private final BootLog log;
    private final IommuCoherent coherent;

    /** @param cmaAlignment CONFIG_CMA_ALIGNMENT: CMA blocks are aligned to at most 2^this pages */
    public IommuDmaOps(IommuDevices devices, ArchDma arch, KernelVm vm, PageAllocator buddy, Current<CmaAreas> cma,
        Current<AtomicPools> pools, BootLog log, int cmaAlignment) {
        this.devices = devices;
        this.arch = arch;
        this.coherent = new IommuCoherent(devices, arch, vm, buddy, cma, pools, cmaAlignment);
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

    /** Each mapping and buffer holds its domain, a part of the IOMMU's instance ({@link #hold}). */
    @Override
    public boolean holdsInstanceThroughChild() {
        return true;
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

    /** The device of the last map and its domain then. */
    private record Recent(DmaDevice dev, DmaDomain domain) {
    }

    /**
     * The last map's device and domain, a hint read and written without ordering: a stale one is a
     * domain the group left, which drains and so refuses the hold, and then the IOMMU core is asked.
     */
    private Recent recent;

    /** The device's domain, held for one mapping or buffer; null when it has none or it drains. */
    private DmaDomain hold(StreamingMapping m) {
        DmaDevice dev = m.device();
        Recent r = recent;
        if (r != null && r.dev() == dev && m.holdBackend(r.domain().instance(), r.domain().id())) {
            return r.domain();
        }
        DmaDomain d = devices.domain(dev);
        if (d == null || !m.holdBackend(d.instance(), d.id())) {
            return null;
        }
        recent = new Recent(dev, d);
        return d;
    }

    /** The domain a mapping holds. */
    private DmaDomain of(StreamingMapping m) {
        Recent r = recent;
        if (r != null && r.domain().id() == (int) m.backendCookie()) {
            return r.domain();
        }
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
        if (!coherent) {
            syncForDevice(m);
        }
        return d.map(dev, m.phys(), m.size(), prot(m.direction(), coherent, m.attrs()), dev.dmaMask());
    }

    /** map_page's {@code arch_sync_dma_for_device} for a non-coherent device (unless DMA_ATTR_SKIP_CPU_SYNC). */
    private void syncForDevice(StreamingMapping m) {
        if (!skipSync(m.attrs())) {
            arch.syncDmaForDevice(m.phys(), m.size(), m.direction());
        }
    }

    @Override
    public void unmapPage(StreamingMapping m, long size, DmaDirection dir, long attrs) {
        DmaDomain d = of(m);
        long handle = m.dmaHandle();
        if (m.device().coherent()) {
            // nothing to sync: the kernel's iova_to_phys here only feeds a WARN for an IOVA that
            // maps nothing, which dma.core's record of the mapping rules out
            d.unmap(handle, size);
            return;
        }
        unmapNonCoherent(d, handle, size, dir, attrs);
    }

    /** unmap_page of a non-coherent device: the CPU's caches synced from the page the IOVA maps, then the unmap. */
    private void unmapNonCoherent(DmaDomain d, long handle, long size, DmaDirection dir, long attrs) {
        long phys = d.domain().iovaToPhys(handle);
        if (phys == 0) {
            log.warn("WARNING: iommu_dma_unmap_page: iova " + String.format("%#x", handle) + " has no translation"
                + " (WARN_ON(!phys))");
            return;
        }
        if (!skipSync(attrs)) {
            arch.syncDmaForCpu(phys, size, dir);
        }
        d.unmap(handle, size);
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
        of(m).unmap(m.dmaHandle(), size);
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
        if (!mapList(d, iova, sg, n, off, padded, prot(m.direction(), coherent, m.attrs()))) {
            d.freeIovaNow(iova, iovaLen);
            return -Errno.ENOMEM;
        }
        return finalise(sg, n, iova, off, padded, dev);
    }

    /**
     * {@code iommu_map_sg}: the padded segments at consecutive IOVAs from {@code iova}, each with
     * its padded length (the padding inserted before a segment boundary belongs to the segment
     * before it, so the pages after that segment's buffer are mapped there too, as in the kernel);
     * physically contiguous neighbours are mapped in one call, so they can share a block entry.
     * On failure everything mapped is unmapped again.
     */
    private static boolean mapList(DmaDomain d, long iova, SgTable sg, int n, long[] off, long[] padded, int prot) {
        long at = iova;
        int i = 0;
        while (i < n) {
            long start = sg.phys(i) - off[i];
            long len = padded[i];
            int j = i + 1;
            while (j < n && sg.phys(j) - off[j] == start + len) {
                len += padded[j];
                j++;
            }
            if (d.domain().map(at, start, len, prot, d.gfpAtomic()) != 0) {
                if (at > iova) {
                    IotlbGather g = new IotlbGather(false);
                    d.domain().unmap(iova, at - iova, g);
                    d.domain().iotlbSync(g);
                }
                return false;
            }
            at += len;
            i = j;
        }
        return true;
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
            d.unmap(start, end - start);
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

    @Override
    public Optional<Allocation> alloc(DmaDevice dev, long size, int gfp, long attrs) {
        return coherent.alloc(dev, size, gfp, attrs);
    }

    @Override
    public void free(DmaDevice dev, Allocation allocation, long attrs) {
        coherent.free(allocation);
    }
}
