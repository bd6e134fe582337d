package org.dmasim.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.device.DmaRange;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mem.VmArea;
import org.dmasim.api.mm.Page;

/**
 * The DMA API the dma_pool benchmarks run on: a copy of the dmapool unit tests' fake (test
 * classes are not on this module's class path), not dma.core. Coherent allocations are runs of
 * 2^get_order(size) pages of a 16 MiB RAM bank at 0x40000000, next fit at their own alignment,
 * zeroed, linear-mapped (arm64 PAGE_OFFSET); bus address = phys. Synchronized: it stands for
 * the page allocator both pools share. The benchmarks therefore measure dma_pool itself plus a
 * trivial chunk source; with dmapool_test's pattern chunks are allocated only in the first round.
 */
final class DmapoolBenchDma implements DmaApi {
    private static final long BASE = 0x4000_0000L;
    private static final long PAGE_OFFSET = 0xffff_0000_0000_0000L;
    private final byte[] ram = new byte[16 << 20];
    private final boolean[] used = new boolean[ram.length >>> Page.PAGE_SHIFT];
    private final Map<Long, CoherentBuffer> live = new LinkedHashMap<>();
    private final Map<String, DmaDevice> devices = new LinkedHashMap<>();
    private final Vm vm = new Vm();
    private int cursor;

    @Override
    public synchronized Optional<CoherentBuffer> alloc(DmaDevice dev, long size, int gfp, long attrs) {
        int n = 1 << Page.getOrder(size);
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
            Arrays.fill(used, first, first + n, true);
            cursor = (first + n) % pages;
            long phys = BASE + ((long) first << Page.PAGE_SHIFT);
            Arrays.fill(ram, first << Page.PAGE_SHIFT, (first + n) << Page.PAGE_SHIFT, (byte) 0);
            CoherentBuffer buf = new CoherentBuffer(dev.name(), PAGE_OFFSET + phys - BASE, phys, phys, size,
                (long) n << Page.PAGE_SHIFT, CoherentSource.BUDDY, "buddy", MemAttr.NORMAL, false, attrs, "coherent");
            live.put(buf.cpuAddr(), buf);
            return Optional.of(buf);
        }
        return Optional.empty();
    }

    @Override
    public synchronized void free(DmaDevice dev, long size, long cpuAddr, long dmaHandle, long attrs) {
        CoherentBuffer buf = live.remove(cpuAddr);
        if (buf == null || buf.dmaHandle() != dmaHandle) {
            throw new IllegalArgumentException(String.format("dma_free_coherent(%#x, %#x): not allocated", cpuAddr,
                dmaHandle));
        }
        int first = (int) ((buf.phys() - BASE) >>> Page.PAGE_SHIFT);
        Arrays.fill(used, first, first + (int) (buf.reserved() >>> Page.PAGE_SHIFT), false);
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
        DmaDevice dev = new Device(spec.name());
        devices.put(spec.name(), dev);
        return dev;
    }

    @Override
    public int setMask(DmaDevice dev, long mask) {
        return 0;
    }

    @Override
    public int setCoherentMask(DmaDevice dev, long mask) {
        return 0;
    }

    @Override
    public int setMaskAndCoherent(DmaDevice dev, long mask) {
        return 0;
    }

    @Override
    public boolean supported(DmaDevice dev, long mask) {
        return true;
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
    public Optional<CoherentBuffer> allocPages(DmaDevice dev, long size, int gfp) {
        throw new UnsupportedOperationException("not used by dma_pool");
    }

    @Override
    public void freePages(DmaDevice dev, long size, long cpuAddr, long dmaHandle) {
        throw new UnsupportedOperationException("not used by dma_pool");
    }

    @Override
    public Optional<CoherentBuffer> allocNoncoherent(DmaDevice dev, long size, int gfp) {
        throw new UnsupportedOperationException("not used by dma_pool");
    }

    @Override
    public void freeNoncoherent(DmaDevice dev, long size, long cpuAddr, long dmaHandle) {
        throw new UnsupportedOperationException("not used by dma_pool");
    }

    @Override
    public MmapResult mmapCoherent(DmaDevice dev, long cpuAddr, long dmaHandle, long size, long vmaPages, long pgoff) {
        throw new UnsupportedOperationException("not used by dma_pool");
    }

    @Override
    public int declareCoherentMemory(DmaDevice dev, long phys, long devAddr, long size) {
        throw new UnsupportedOperationException("not used by dma_pool");
    }

    @Override
    public KernelVm kernelVm() {
        return vm;
    }

    /** The linear map over {@link #ram}. */
    private final class Vm implements KernelVm, PhysMemory {
        private int at(long phys, long len) {
            if (!isRam(phys, len)) {
                throw new IllegalArgumentException(String.format("phys [%#x, +%d) is not RAM", phys, len));
            }
            return (int) (phys - BASE);
        }

        @Override
        public long linearAddress(long phys) {
            return PAGE_OFFSET + phys - BASE;
        }

        @Override
        public long toPhys(long kva) {
            return kva - PAGE_OFFSET + BASE;
        }

        @Override
        public boolean isLinear(long kva) {
            return Long.compareUnsigned(kva - PAGE_OFFSET, ram.length) < 0;
        }

        @Override
        public boolean isVmalloc(long kva) {
            return false;
        }

        @Override
        public long vmap(long phys, long size, MemAttr attr, String caller) {
            throw new UnsupportedOperationException("no vmalloc space");
        }

        @Override
        public void vunmap(long kva) {
            throw new UnsupportedOperationException("no vmalloc space");
        }

        @Override
        public Optional<VmArea> findVmArea(long kva) {
            return Optional.empty();
        }

        @Override
        public List<VmArea> vmAreas() {
            return List.of();
        }

        @Override
        public MemAttr attr(long kva) {
            return MemAttr.NORMAL;
        }

        @Override
        public void cpuRead(long kva, byte[] dst, int off, int len) {
            read(toPhys(kva), dst, off, len);
        }

        @Override
        public void cpuWrite(long kva, byte[] src, int off, int len) {
            write(toPhys(kva), src, off, len);
        }

        @Override
        public void cpuFill(long kva, long len, byte value) {
            fill(toPhys(kva), len, value);
        }

        @Override
        public long pageStruct(long pfn) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long pageStructToPfn(long addr) {
            return -1;
        }

        @Override
        public PhysMemory memory() {
            return this;
        }

        @Override
        public void read(long phys, byte[] dst, int off, int len) {
            System.arraycopy(ram, at(phys, len), dst, off, len);
        }

        @Override
        public void write(long phys, byte[] src, int off, int len) {
            System.arraycopy(src, off, ram, at(phys, len), len);
        }

        @Override
        public void fill(long phys, long len, byte value) {
            int from = at(phys, len);
            Arrays.fill(ram, from, from + (int) len, value);
        }

        @Override
        public void copy(long dstPhys, long srcPhys, long len) {
            System.arraycopy(ram, at(srcPhys, len), ram, at(dstPhys, len), (int) len);
        }

        @Override
        public boolean isRam(long phys, long len) {
            return len >= 0 && phys >= BASE && phys + len <= BASE + ram.length;
        }

        @Override
        public long materialisedPages() {
            return ram.length >>> Page.PAGE_SHIFT;
        }
    }

    /** A coherent platform device with no dma-ranges. */
    private record Device(String name) implements DmaDevice {
        @Override
        public Bus bus() {
            return Bus.PLATFORM;
        }

        @Override
        public long dmaMask() {
            return -1L;
        }

        @Override
        public long coherentDmaMask() {
            return -1L;
        }

        @Override
        public long busDmaLimit() {
            return 0;
        }

        @Override
        public boolean coherent() {
            return true;
        }

        @Override
        public List<DmaRange> dmaRanges() {
            return List.of();
        }

        @Override
        public List<Long> memoryRegions() {
            return List.of();
        }

        @Override
        public Optional<long[]> iommus() {
            return Optional.empty();
        }

        @Override
        public long maxSegmentSize() {
            return 65536;
        }

        @Override
        public long segmentBoundary() {
            return 0xffff_ffffL;
        }

        @Override
        public long minAlignMask() {
            return 0;
        }
    }
}
