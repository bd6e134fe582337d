package org.dmasim.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.Arch;

/**
 * A DMA API for tests of its clients (dma_pool): coherent allocations are runs of
 * 2^get_order(size) pages, next fit at their own alignment (as the buddy allocator aligns
 * them), zeroed, linear-mapped on an arm64 kernel VM over RAM at {@link #RAM_BASE}; bus
 * address = phys minus the device's offset. {@link #pageLimit} makes allocations fail like an
 * exhausted zone, {@link #maskResult} makes dma_set_mask fail. Streaming DMA and the other
 * allocators are not modelled.
 */
public final class FakeDma implements DmaApi {
    /** Where the RAM starts (QEMU virt's 0x40000000). */
    public static final long RAM_BASE = 0x4000_0000L;
    /** Devices created through {@link #createDevice} see RAM at phys - this. */
    public static final long DMA_OFFSET = 0x1000_0000L;
    public final FakeRam ram;
    public final FakeKernelVm vm;
    private final boolean[] used;
    private final Map<Long, CoherentBuffer> live = new LinkedHashMap<>();
    private final Map<String, DmaDevice> devices = new LinkedHashMap<>();
    public volatile int pageLimit = Integer.MAX_VALUE;
    public volatile int maskResult;
    private int pagesInUse;
    private int cursor;
    public long allocCalls;
    public long freeCalls;

    public FakeDma(int ramBytes) {
        vm = new FakeKernelVm(Arch.ARM64, RAM_BASE, RAM_BASE + ramBytes);
        ram = vm.ram;
        used = new boolean[ramBytes / (int) Page.PAGE_SIZE];
    }

    public FakeDma() {
        this(32 << 20);
    }

    private static long offset(DmaDevice dev) {
        return dev instanceof FakeDevice f ? f.dmaOffset : 0;
    }

    @Override
    public synchronized Optional<CoherentBuffer> alloc(DmaDevice dev, long size, int gfp, long attrs) {
        allocCalls++;
        int n = 1 << Page.getOrder(size);
        if (size <= 0 || pagesInUse + n > pageLimit) {
            return Optional.empty();
        }
        // next fit from where the last search ended, at the block's own alignment
        int pages = used.length;
        for (int k = 0, first = (cursor / n) * n; k < pages; k += n, first = (first + n) % pages) {
            if (first + n > pages) {
                continue;
            }
            boolean free = true;
            for (int i = first; i < first + n && free; i++) {
                free = !used[i];
            }
            if (!free) {
                continue;
            }
            for (int i = first; i < first + n; i++) {
                used[i] = true;
            }
            pagesInUse += n;
            cursor = (first + n) % pages;
            long phys = RAM_BASE + ((long) first << Page.PAGE_SHIFT);
            ram.fill(phys, (long) n << Page.PAGE_SHIFT, (byte) 0);
            CoherentBuffer buf = new CoherentBuffer(dev.name(), vm.linearAddress(phys), phys - offset(dev), phys, size,
                (long) n << Page.PAGE_SHIFT, CoherentSource.BUDDY, "buddy", MemAttr.NORMAL, false, attrs, "coherent");
            live.put(buf.cpuAddr(), buf);
            return Optional.of(buf);
        }
        return Optional.empty();
    }

    @Override
    public synchronized void free(DmaDevice dev, long size, long cpuAddr, long dmaHandle, long attrs) {
        CoherentBuffer buf = live.get(cpuAddr);
        if (buf == null || buf.dmaHandle() != dmaHandle || buf.size() != size || !buf.device().equals(dev.name())) {
            throw new IllegalArgumentException(String.format("fake dma_free_coherent(%s, %d, %#x, %#x): not allocated",
                dev.name(), size, cpuAddr, dmaHandle));
        }
        freeCalls++;
        live.remove(cpuAddr);
        int first = (int) ((buf.phys() - RAM_BASE) >>> Page.PAGE_SHIFT);
        int n = (int) (buf.reserved() >>> Page.PAGE_SHIFT);
        for (int i = first; i < first + n; i++) {
            used[i] = false;
        }
        pagesInUse -= n;
    }

    @Override
    public synchronized List<CoherentBuffer> allocations() {
        return new ArrayList<>(live.values());
    }

    @Override
    public synchronized List<DmaDevice> devices() {
        return List.copyOf(devices.values());
    }

    @Override
    public synchronized Optional<DmaDevice> device(String name) {
        return Optional.ofNullable(devices.get(name));
    }

    @Override
    public synchronized DmaDevice createDevice(DeviceSpec spec) {
        if (devices.containsKey(spec.name())) {
            throw new IllegalArgumentException("device " + spec.name() + " exists");
        }
        FakeDevice dev = new FakeDevice(spec.name(), DMA_OFFSET);
        devices.put(spec.name(), dev);
        return dev;
    }

    @Override
    public int setMask(DmaDevice dev, long mask) {
        return setMaskAndCoherent(dev, mask);
    }

    @Override
    public int setCoherentMask(DmaDevice dev, long mask) {
        return setMaskAndCoherent(dev, mask);
    }

    @Override
    public int setMaskAndCoherent(DmaDevice dev, long mask) {
        if (maskResult != 0) {
            return maskResult;
        }
        ((FakeDevice) dev).mask = mask;
        return 0;
    }

    @Override
    public boolean supported(DmaDevice dev, long mask) {
        return maskResult == 0;
    }

    @Override
    public long requiredMask(DmaDevice dev) {
        return 0xffff_ffffL;
    }

    @Override
    public int cacheAlignment() {
        return 128;
    }

    @Override
    public long maxMappingSize(DmaDevice dev) {
        return -1;
    }

    @Override
    public long optMappingSize(DmaDevice dev) {
        return -1;
    }

    @Override
    public int setMaxSegmentSize(DmaDevice dev, long size) {
        throw new UnsupportedOperationException("not used by dma_pool");
    }

    @Override
    public int setSegmentBoundary(DmaDevice dev, long mask) {
        throw new UnsupportedOperationException("not used by dma_pool");
    }

    @Override
    public void setMinAlignMask(DmaDevice dev, long mask) {
        throw new UnsupportedOperationException("not used by dma_pool");
    }

    @Override
    public org.dmasim.api.device.DeviceInfoDTO deviceInfo(DmaDevice dev) {
        throw new UnsupportedOperationException("not used by dma_pool");
    }

    @Override
    public Optional<CoherentBuffer> allocPages(DmaDevice dev, long size, int gfp) {
        throw new UnsupportedOperationException("not modelled by the fake DMA API");
    }

    @Override
    public void freePages(DmaDevice dev, long size, long cpuAddr, long dmaHandle) {
        throw new UnsupportedOperationException("not modelled by the fake DMA API");
    }

    @Override
    public Optional<CoherentBuffer> allocNoncoherent(DmaDevice dev, long size, int gfp) {
        throw new UnsupportedOperationException("not modelled by the fake DMA API");
    }

    @Override
    public void freeNoncoherent(DmaDevice dev, long size, long cpuAddr, long dmaHandle) {
        throw new UnsupportedOperationException("not modelled by the fake DMA API");
    }

    @Override
    public MmapResult mmapCoherent(DmaDevice dev, long cpuAddr, long dmaHandle, long size, long vmaPages, long pgoff) {
        throw new UnsupportedOperationException("not modelled by the fake DMA API");
    }

    @Override
    public int declareCoherentMemory(DmaDevice dev, long phys, long devAddr, long size) {
        throw new UnsupportedOperationException("not modelled by the fake DMA API");
    }

    @Override
    public KernelVm kernelVm() {
        return vm;
    }

    // ---- not modelled: per-device ops and streaming DMA (FakeDma is a coherent allocator for dma_pool tests) ----

    private static UnsupportedOperationException notModelled(String what) {
        return new UnsupportedOperationException("FakeDma: " + what + " is not modelled (it serves dma_pool tests;"
            + " boot a platform with dma.core for the whole DMA API)");
    }

    @Override
    public Optional<org.dmasim.api.dma.DmaOps> dmaOps(DmaDevice dev) {
        return Optional.empty();
    }

    @Override
    public void setDmaOps(DmaDevice dev, org.dmasim.api.dma.DmaOps ops) {
        throw notModelled("set_dma_ops");
    }

    @Override
    public void setDmaOpsBypass(DmaDevice dev, boolean bypass) {
        throw notModelled("dma_ops_bypass");
    }

    @Override
    public long mergeBoundary(DmaDevice dev) {
        return 0;
    }

    @Override
    public org.dmasim.api.addr.DmaAddr mapSingle(DmaDevice dev, org.dmasim.api.addr.CpuAddr cpuAddr, long size,
        org.dmasim.api.dma.DmaDirection dir, long attrs) {
        throw notModelled("dma_map_single");
    }

    @Override
    public void unmapSingle(DmaDevice dev, org.dmasim.api.addr.DmaAddr dmaHandle, long size,
        org.dmasim.api.dma.DmaDirection dir, long attrs) {
        throw notModelled("dma_unmap_single");
    }

    @Override
    public org.dmasim.api.addr.DmaAddr mapPage(DmaDevice dev, long pfn, long offset, long size,
        org.dmasim.api.dma.DmaDirection dir, long attrs) {
        throw notModelled("dma_map_page");
    }

    @Override
    public void unmapPage(DmaDevice dev, org.dmasim.api.addr.DmaAddr dmaHandle, long size,
        org.dmasim.api.dma.DmaDirection dir, long attrs) {
        throw notModelled("dma_unmap_page");
    }

    @Override
    public int mapSg(DmaDevice dev, org.dmasim.api.dma.SgTable sg, int nents, org.dmasim.api.dma.DmaDirection dir,
        long attrs) {
        throw notModelled("dma_map_sg");
    }

    @Override
    public int mapSgtable(DmaDevice dev, org.dmasim.api.dma.SgTable sgt, org.dmasim.api.dma.DmaDirection dir,
        long attrs) {
        throw notModelled("dma_map_sgtable");
    }

    @Override
    public void unmapSg(DmaDevice dev, org.dmasim.api.dma.SgTable sg, int nents, org.dmasim.api.dma.DmaDirection dir,
        long attrs) {
        throw notModelled("dma_unmap_sg");
    }

    @Override
    public org.dmasim.api.addr.DmaAddr mapResource(DmaDevice dev, org.dmasim.api.addr.PhysAddr phys, long size,
        org.dmasim.api.dma.DmaDirection dir, long attrs) {
        throw notModelled("dma_map_resource");
    }

    @Override
    public void unmapResource(DmaDevice dev, org.dmasim.api.addr.DmaAddr dmaHandle, long size,
        org.dmasim.api.dma.DmaDirection dir, long attrs) {
        throw notModelled("dma_unmap_resource");
    }

    @Override
    public void syncSingleForCpu(DmaDevice dev, org.dmasim.api.addr.DmaAddr dmaHandle, long size,
        org.dmasim.api.dma.DmaDirection dir) {
        throw notModelled("dma_sync_single_for_cpu");
    }

    @Override
    public void syncSingleForDevice(DmaDevice dev, org.dmasim.api.addr.DmaAddr dmaHandle, long size,
        org.dmasim.api.dma.DmaDirection dir) {
        throw notModelled("dma_sync_single_for_device");
    }

    @Override
    public void syncSgForCpu(DmaDevice dev, org.dmasim.api.dma.SgTable sg, int nents,
        org.dmasim.api.dma.DmaDirection dir) {
        throw notModelled("dma_sync_sg_for_cpu");
    }

    @Override
    public void syncSgForDevice(DmaDevice dev, org.dmasim.api.dma.SgTable sg, int nents,
        org.dmasim.api.dma.DmaDirection dir) {
        throw notModelled("dma_sync_sg_for_device");
    }

    @Override
    public int mappingError(DmaDevice dev, org.dmasim.api.addr.DmaAddr dmaHandle) {
        return dmaHandle.isMappingError() ? -org.dmasim.api.boot.Errno.ENOMEM : 0;
    }

    @Override
    public boolean needSync(DmaDevice dev, org.dmasim.api.addr.DmaAddr dmaHandle) {
        throw notModelled("dma_need_sync");
    }

    @Override
    public List<org.dmasim.api.dma.StreamingMapping> mappings() {
        return List.of();
    }

    @Override
    public org.dmasim.api.addr.PhysAddr deviceAccess(DmaDevice dev, org.dmasim.api.addr.DmaAddr dmaHandle, long size,
        boolean write) {
        return new org.dmasim.api.addr.PhysAddr(dmaHandle.value() + offset(dev));
    }

    @Override
    public AutoCloseable onDeviceAdded(java.util.function.Consumer<DmaDevice> added) {
        throw new UnsupportedOperationException("not modelled by the fake DMA API");
    }

    @Override
    public void bindDriver(DmaDevice dev, String driver) {
        throw new UnsupportedOperationException("not modelled by the fake DMA API");
    }

    @Override
    public List<String> unbindDriver(DmaDevice dev) {
        throw new UnsupportedOperationException("not modelled by the fake DMA API");
    }

    @Override
    public Optional<String> driver(DmaDevice dev) {
        return Optional.empty();
    }

    @Override
    public org.dmasim.api.addr.CpuAddr taskStack() {
        throw new UnsupportedOperationException("not modelled by the fake DMA API");
    }
}
