package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * The DMA API of one platform ({@code kernel/dma/mapping.c} + {@code coherent.c}): the device
 * registry, mask rules, per-device coherent memory in front of dma-direct, and the
 * bookkeeping that lets every free be checked and sent back to whatever served it.
 */
final class DmaMapping implements DmaApi {
    /** SIZE_MAX as the API returns it. */
    private static final long SIZE_MAX = -1L;

    private final DmaEnv env;
    private final DmaDirect direct;
    private final DeviceFactory factory;
    private final AllocationTracker tracker = new AllocationTracker();
    private final Map<String, Device> devices = new LinkedHashMap<>();

    DmaMapping(DmaEnv env, DeviceFactory factory) {
        this.env = env;
        this.direct = new DmaDirect(env);
        this.factory = factory;
    }

    /** Adds a device the factory made; false (and nothing changes) when the name is taken. */
    synchronized boolean register(Device dev) {
        return devices.putIfAbsent(dev.name(), dev) == null;
    }

    @Override
    public synchronized List<DmaDevice> devices() {
        return new ArrayList<>(devices.values());
    }

    @Override
    public synchronized Optional<DmaDevice> device(String name) {
        return Optional.ofNullable(devices.get(name));
    }

    @Override
    public DmaDevice createDevice(DeviceSpec spec) {
        synchronized (this) {
            if (devices.containsKey(spec.name())) {
                throw new IllegalArgumentException("device " + spec.name() + ": a device of that name exists"
                    + " (expected: unique device names, as the driver core requires)");
            }
        }
        Device dev = factory.create(spec);
        if (!register(dev)) {
            throw new IllegalArgumentException("device " + spec.name() + ": a device of that name exists"
                + " (expected: unique device names, as the driver core requires)");
        }
        return dev;
    }

    private Device own(DmaDevice d) {
        Device dev;
        synchronized (this) {
            dev = d instanceof Device x ? devices.get(x.name()) : null;
        }
        if (dev != d) {
            throw new IllegalArgumentException("device " + (d == null ? "null" : d.name())
                + ": not a device of this platform (expected: a DmaDevice from devices() or createDevice())");
        }
        return dev;
    }

    // ---- masks (mapping.c, direct.c) ----

    @Override
    public int setMask(DmaDevice d, long mask) {
        Device dev = own(d);
        if (!supported(dev, mask)) {
            return -Errno.EIO;
        }
        dev.setDmaMask(mask);
        return 0;
    }

    @Override
    public int setCoherentMask(DmaDevice d, long mask) {
        Device dev = own(d);
        if (!supported(dev, mask)) {
            return -Errno.EIO;
        }
        dev.setCoherentDmaMask(mask);
        return 0;
    }

    /** {@code dma_set_mask_and_coherent}: the coherent mask is set only when the streaming one was. */
    @Override
    public int setMaskAndCoherent(DmaDevice d, long mask) {
        int rc = setMask(d, mask);
        if (rc == 0) {
            setCoherentMask(d, mask);
        }
        return rc;
    }

    /** {@code dma_direct_supported}. */
    @Override
    public boolean supported(DmaDevice d, long mask) {
        Device dev = own(d);
        if (Long.compareUnsigned(mask, DmaAddress.bitMask(32)) >= 0) {
            return true;
        }
        long minMask = (env.maxPfn() - 1) << Page.PAGE_SHIFT;
        if (env.zoneDma()) {
            minMask = Long.compareUnsigned(minMask, env.zoneDmaLimit()) <= 0 ? minMask : env.zoneDmaLimit();
        }
        return Long.compareUnsigned(mask, DmaAddress.physToDma(dev, minMask)) >= 0;
    }

    /** {@code dma_direct_get_required_mask}. */
    @Override
    public long requiredMask(DmaDevice d) {
        Device dev = own(d);
        long phys = (env.maxPfn() - 1) << Page.PAGE_SHIFT;
        long maxDma = DmaAddress.physToDma(dev, phys);
        int fls = 64 - Long.numberOfLeadingZeros(maxDma);
        return (1L << (fls - 1)) * 2 - 1;
    }

    @Override
    public int cacheAlignment() {
        return env.arch().cacheAlignment();
    }

    /**
     * {@code dma_max_mapping_size} → {@code dma_direct_max_mapping_size}: swiotlb's limit when
     * {@code is_swiotlb_active(dev)} and the device either cannot reach all RAM
     * ({@code dma_addressing_limited}) or must bounce anyway ({@code is_swiotlb_force_bounce}).
     */
    @Override
    public long maxMappingSize(DmaDevice d) {
        Device dev = own(d);
        if (env.swiotlbActive() && (addressingLimited(dev) || env.swiotlbForceBounce())) {
            return swiotlbMaxMappingSize(dev);
        }
        return SIZE_MAX;
    }

    /**
     * {@code dma_opt_mapping_size}: {@code min(dma_max_mapping_size(dev), size)} where size is
     * SIZE_MAX unless the device's ops have an {@code opt_mapping_size}; dma-direct has no ops.
     */
    @Override
    public long optMappingSize(DmaDevice d) {
        return maxMappingSize(d);
    }

    /** {@code dma_addressing_limited} (6.1): the mask or bus limit falls short of the required mask. */
    private boolean addressingLimited(Device dev) {
        long limit = DmaAddress.minNotZero(dev.dmaMask(), dev.busDmaLimit());
        return Long.compareUnsigned(limit, requiredMask(dev)) < 0;
    }

    /** {@code swiotlb_max_mapping_size}: one segment of slots less the min_align_mask rounding. */
    private static long swiotlbMaxMappingSize(Device dev) {
        long slot = 1L << SwiotlbPool.IO_TLB_SHIFT;
        long minAlign = dev.minAlignMask() == 0 ? 0 : (dev.minAlignMask() + slot - 1) / slot * slot;
        return slot * SwiotlbPool.IO_TLB_SEGSIZE - minAlign;
    }

    // ---- dma_parms (include/linux/dma-mapping.h) ----

    @Override
    public int setMaxSegmentSize(DmaDevice d, long size) {
        Device dev = own(d);
        checkUnsignedInt("dma_set_max_seg_size", "size", size);
        dev.setMaxSegmentSize(size);
        return 0;
    }

    @Override
    public int setSegmentBoundary(DmaDevice d, long mask) {
        own(d).setSegmentBoundary(mask);
        return 0;
    }

    @Override
    public void setMinAlignMask(DmaDevice d, long mask) {
        Device dev = own(d);
        checkUnsignedInt("dma_set_min_align_mask", "min_align_mask", mask);
        dev.setMinAlignMask(mask);
    }

    private static void checkUnsignedInt(String fn, String what, long v) {
        if (v < 0 || v > 0xffffffffL) {
            throw new IllegalArgumentException(String.format("%s: %s %#x (expected: 0..0xffffffff, an unsigned int)",
                fn, what, v));
        }
    }

    // ---- the device view ----

    @Override
    public DeviceInfoDTO deviceInfo(DmaDevice d) {
        Device dev = own(d);
        DeviceInfoDTO info = new DeviceInfoDTO();
        info.name = dev.name();
        info.bus = dev.driverString();
        info.ofNode = dev.ofPath().orElse(null);
        info.hostBridge = dev.hostBridge().orElse(null);
        info.coherent = dev.coherent();
        info.dmaMask = dev.dmaMask();
        info.coherentDmaMask = dev.coherentDmaMask();
        info.singleMask = dev.singleMask();
        info.busDmaLimit = dev.busDmaLimit();
        info.dmaRanges = dev.dmaRanges().stream().map(DeviceInfoDTO.DmaRangeDTO::of).toList();
        info.maxSegmentSize = dev.maxSegmentSize();
        info.segmentBoundaryMask = dev.segmentBoundary();
        info.minAlignMask = dev.minAlignMask();
        info.requiredMask = requiredMask(dev);
        info.cmaArea = cmaArea(dev);
        info.coherentPool = coherentPool(dev.dmaMem);
        info.dmaOps = "direct";
        info.swiotlbActive = env.swiotlbActive();
        info.swiotlbForceBounce = env.swiotlbForceBounce();
        info.maxMappingSize = maxMappingSize(dev);
        info.optMappingSize = optMappingSize(dev);
        return info;
    }

    /** {@code dev_get_cma_area}: the device's own area, else the default one. */
    private DeviceInfoDTO.CmaAreaDTO cmaArea(Device dev) {
        CmaArea own = dev.cmaArea;
        CmaArea area = own != null ? own : env.defaultCma().orElse(null);
        if (area == null) {
            return null;
        }
        DeviceInfoDTO.CmaAreaDTO c = new DeviceInfoDTO.CmaAreaDTO();
        c.name = area.name();
        c.base = Page.pfnPhys(area.basePfn());
        c.size = area.count() << Page.PAGE_SHIFT;
        c.perDevice = own != null;
        return c;
    }

    private static DeviceInfoDTO.CoherentPoolDTO coherentPool(DeviceCoherentMem mem) {
        if (mem == null) {
            return null;
        }
        DeviceInfoDTO.CoherentPoolDTO p = new DeviceInfoDTO.CoherentPoolDTO();
        p.name = mem.name;
        p.phys = mem.physBase;
        p.deviceBase = mem.deviceBase;
        p.size = mem.size();
        p.used = (long) mem.usedPages() << Page.PAGE_SHIFT;
        return p;
    }

    // ---- coherent memory ----

    @Override
    public Optional<CoherentBuffer> alloc(DmaDevice d, long size, int gfp, long attrs) {
        Device dev = own(d);
        checkSize("dma_alloc_attrs", size);
        if (dev.coherentDmaMask() == 0) {
            env.log().warn("WARNING: dma_alloc_attrs: " + dev.name() + " has no coherent_dma_mask"
                + " (WARN_ON_ONCE(!dev->coherent_dma_mask))");
        }
        Optional<CoherentBuffer> b;
        DeviceCoherentMem mem = dev.dmaMem;
        if (mem != null) {
            b = allocFromDevCoherent(dev, mem, size, attrs);
        } else {
            gfp &= ~(Gfp.__GFP_DMA | Gfp.__GFP_DMA32 | Gfp.__GFP_HIGHMEM);
            b = direct.alloc(dev, size, gfp, attrs);
        }
        b.ifPresent(tracker::add);
        return b;
    }

    /** {@code __dma_alloc_from_coherent}: the device's own region, no fallback on failure. */
    private Optional<CoherentBuffer> allocFromDevCoherent(Device dev, DeviceCoherentMem mem, long size, long attrs) {
        int page = mem.allocRegion(size);
        if (page < 0) {
            return Optional.empty();
        }
        long off = (long) page << Page.PAGE_SHIFT;
        long cpu = mem.cpuBase + off;
        env.vm().cpuFill(cpu, size, (byte) 0);
        long reserved = Page.PAGE_SIZE << Page.getOrder(size);
        return Optional.of(new CoherentBuffer(dev.name(), cpu, mem.deviceBase + off, mem.physBase + off, size, reserved,
            CoherentSource.DEVICE_COHERENT_POOL, mem.name, env.vm().attr(cpu), true, attrs, "coherent"));
    }

    @Override
    public void free(DmaDevice d, long size, long cpuAddr, long dmaHandle, long attrs) {
        Device dev = own(d);
        DeviceCoherentMem mem = dev.dmaMem;
        if (mem != null && mem.containsCpu(cpuAddr)) {
            // dma_release_from_dev_coherent: the region's bitmap alone decides.
            int page = (int) ((cpuAddr - mem.cpuBase) >>> Page.PAGE_SHIFT);
            int order = Page.getOrder(size);
            if (!mem.isAllocated(page, order)) {
                throw misuse(dev, String.format("dma_free_coherent: pages %d-%d of %s are not allocated"
                    + " (bitmap_release_region would clear free bits)", page, page + (1 << order) - 1, mem.name));
            }
            CoherentBuffer b = checked(dev, size, cpuAddr, dmaHandle, "coherent");
            mem.releaseRegion(page, order);
            tracker.remove(b);
            return;
        }
        if (cpuAddr == 0) {
            return;
        }
        CoherentBuffer b = checked(dev, size, cpuAddr, dmaHandle, "coherent");
        direct.free(dev, b);
        tracker.remove(b);
    }

    @Override
    public Optional<CoherentBuffer> allocPages(DmaDevice d, long size, int gfp) {
        return allocLinear(d, size, gfp, "pages");
    }

    @Override
    public Optional<CoherentBuffer> allocNoncoherent(DmaDevice d, long size, int gfp) {
        return allocLinear(d, size, gfp, "noncoherent");
    }

    private Optional<CoherentBuffer> allocLinear(DmaDevice d, long size, int gfp, String kind) {
        Device dev = own(d);
        checkSize("dma_alloc_pages", size);
        if ((gfp & (Gfp.__GFP_DMA | Gfp.__GFP_DMA32 | Gfp.__GFP_HIGHMEM)) != 0) {
            env.log().warn("WARNING: dma_alloc_pages: " + dev.name() + ": gfp " + String.format("%#x", gfp)
                + " has a zone modifier (WARN_ON_ONCE(gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)))");
            return Optional.empty();
        }
        if ((gfp & Gfp.__GFP_COMP) != 0) {
            env.log().warn("WARNING: dma_alloc_pages: " + dev.name() + ": __GFP_COMP (WARN_ON_ONCE(gfp & __GFP_COMP))");
            return Optional.empty();
        }
        Optional<CoherentBuffer> b = direct.allocLinearPages(dev, size, gfp, kind);
        b.ifPresent(tracker::add);
        return b;
    }

    @Override
    public void freePages(DmaDevice d, long size, long cpuAddr, long dmaHandle) {
        freeLinear(d, size, cpuAddr, dmaHandle);
    }

    @Override
    public void freeNoncoherent(DmaDevice d, long size, long cpuAddr, long dmaHandle) {
        freeLinear(d, size, cpuAddr, dmaHandle);
    }

    private void freeLinear(DmaDevice d, long size, long cpuAddr, long dmaHandle) {
        Device dev = own(d);
        CoherentBuffer b = checked(dev, size, cpuAddr, dmaHandle, "single");
        direct.freeContiguous(dev, Page.pfnDown(b.phys()), Page.pageAlign(b.size()));
        tracker.remove(b);
    }

    private long cpuToPhys(long cpu) {
        KernelVm vm = env.vm();
        long pfn = vm.pageStructToPfn(cpu);
        if (pfn >= 0) {
            return Page.pfnPhys(pfn);
        }
        try {
            return vm.toPhys(cpu);
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    // ---- mmap ----

    @Override
    public MmapResult mmapCoherent(DmaDevice d, long cpuAddr, long dmaHandle, long size, long vmaPages, long pgoff) {
        Device dev = own(d);
        if (vmaPages <= 0 || pgoff < 0) {
            throw new IllegalArgumentException(String.format(
                "dma_mmap_coherent: vma of %d pages at pgoff %d (expected: at least one page, pgoff >= 0)", vmaPages,
                pgoff));
        }
        long count = Page.pageAlign(size) >>> Page.PAGE_SHIFT;
        DeviceCoherentMem mem = dev.dmaMem;
        if (mem != null && mem.containsCpu(cpuAddr) && mem.containsCpu(cpuAddr + size - 1)) {
            if (pgoff < count && vmaPages <= count - pgoff) {
                long pfn = Page.pfnDown(mem.physBase) + ((cpuAddr - mem.cpuBase) >>> Page.PAGE_SHIFT) + pgoff;
                return new MmapResult(0, pfns(pfn, vmaPages));
            }
            return new MmapResult(-Errno.ENXIO, List.of());
        }
        if (pgoff >= count || vmaPages > count - pgoff) {
            return new MmapResult(-Errno.ENXIO, List.of());
        }
        long pfn = Page.pfnDown(DmaAddress.dmaToPhys(dev, dmaHandle));
        return new MmapResult(0, pfns(pfn + pgoff, vmaPages));
    }

    private static List<Long> pfns(long first, long n) {
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            out.add(first + i);
        }
        return out;
    }

    // ---- dma_declare_coherent_memory ----

    @Override
    public int declareCoherentMemory(DmaDevice d, long phys, long devAddr, long size) {
        Device dev = own(d);
        if (size <= 0) {
            return -Errno.EINVAL;
        }
        Optional<DeviceCoherentMem> mem = factory.initCoherentMemory(dev.name(), phys, devAddr, size);
        if (mem.isEmpty()) {
            return -Errno.EINVAL;
        }
        synchronized (dev) {
            if (dev.dmaMem != null) {
                factory.releaseCoherentMemory(mem.get());
                return -Errno.EBUSY;
            }
            dev.dmaMem = mem.get();
        }
        return 0;
    }

    @Override
    public List<CoherentBuffer> allocations() {
        return tracker.all();
    }

    @Override
    public KernelVm kernelVm() {
        return env.vm();
    }

    private static void checkSize(String fn, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException(fn + ": size " + size + " (expected: > 0 bytes)");
        }
    }

    private IllegalArgumentException misuse(Device dev, String msg) {
        String line = dev.driverString() + " " + dev.name() + ": " + msg;
        env.log().err(line);
        return new IllegalArgumentException(line);
    }

    /** Runs a DMA-API debug check; a failed check is also printed, as WARN() would. */
    private CoherentBuffer checked(Device dev, long size, long cpuAddr, long dma, String type) {
        try {
            return tracker.check(dev, size, cpuAddr, dma, type, this::cpuToPhys);
        } catch (IllegalArgumentException e) {
            env.log().warn(e.getMessage());
            throw e;
        }
    }
}
