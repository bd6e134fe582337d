package org.dmasim.atomicpool;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mem.VmArea;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.Arch;

/**
 * A test double of the platform's kernel address space: the 6.1 linear-map and vmalloc bases
 * of the arch, vmap as lowest-free with a guard page (bump allocation is enough here: the pools
 * never vunmap), and a sparse RAM behind both.
 */
final class FakeKernelVm implements KernelVm {
    private final long pageOffset;
    private final long memstart;
    private long nextVmalloc;
    private final TreeMap<Long, VmArea> areas = new TreeMap<>(Long::compareUnsigned);
    final FakePhysMemory ram;

    FakeKernelVm(Arch arch, long ramStart, long ramEnd) {
        this.ram = new FakePhysMemory(ramStart, ramEnd);
        if (arch == Arch.ARM64) {
            pageOffset = 0xffff000000000000L;
            memstart = ramStart & ~((1L << 30) - 1);
            nextVmalloc = 0xffff800008000000L;
        } else {
            pageOffset = 0xffff888000000000L;
            memstart = 0;
            nextVmalloc = 0xffffc90000000000L;
        }
    }

    @Override
    public long linearAddress(long phys) {
        return pageOffset + (phys - memstart);
    }

    @Override
    public synchronized long toPhys(long kva) {
        Optional<VmArea> a = findVmArea(kva);
        if (a.isPresent()) {
            return a.get().phys() + (kva - a.get().addr());
        }
        if (!isLinear(kva)) {
            throw new IllegalArgumentException(String.format("toPhys(%#x): not mapped", kva));
        }
        return kva - pageOffset + memstart;
    }

    @Override
    public boolean isLinear(long kva) {
        return Long.compareUnsigned(kva, pageOffset) >= 0 && Long.compareUnsigned(kva, pageOffset + (1L << 46)) < 0;
    }

    @Override
    public synchronized boolean isVmalloc(long kva) {
        return findVmArea(kva).isPresent();
    }

    @Override
    public synchronized long vmap(long phys, long size, MemAttr attr, String caller) {
        if ((phys & (Page.PAGE_SIZE - 1)) != 0 || size <= 0 || (size & (Page.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("vmap: unaligned");
        }
        long addr = nextVmalloc;
        areas.put(addr, new VmArea(addr, size, phys, attr, caller));
        nextVmalloc += size + Page.PAGE_SIZE;
        return addr;
    }

    @Override
    public synchronized void vunmap(long kva) {
        if (areas.remove(kva) == null) {
            throw new IllegalArgumentException(String.format("vunmap(%#x): no area", kva));
        }
    }

    @Override
    public synchronized Optional<VmArea> findVmArea(long kva) {
        Map.Entry<Long, VmArea> e = areas.floorEntry(kva);
        return e != null && e.getValue().contains(kva) ? Optional.of(e.getValue()) : Optional.empty();
    }

    @Override
    public synchronized List<VmArea> vmAreas() {
        return new ArrayList<>(areas.values());
    }

    @Override
    public MemAttr attr(long kva) {
        return findVmArea(kva).map(VmArea::attr).orElse(MemAttr.NORMAL);
    }

    private long physOfRange(long kva, long len) {
        long phys = toPhys(kva);
        Optional<VmArea> a = findVmArea(kva);
        if (a.isPresent() && !a.get().contains(kva + len - 1)) {
            throw new IllegalArgumentException(String.format("access %#x+%d leaves its vmap area", kva, len));
        }
        return phys;
    }

    @Override
    public void cpuRead(long kva, byte[] dst, int off, int len) {
        ram.read(physOfRange(kva, len), dst, off, len);
    }

    @Override
    public void cpuWrite(long kva, byte[] src, int off, int len) {
        ram.write(physOfRange(kva, len), src, off, len);
    }

    @Override
    public void cpuFill(long kva, long len, byte value) {
        if (len == 0) {
            return;
        }
        ram.fill(physOfRange(kva, len), len, value);
    }

    @Override
    public long pageStruct(long pfn) {
        throw new UnsupportedOperationException("not needed by the atomic pools");
    }

    @Override
    public long pageStructToPfn(long addr) {
        throw new UnsupportedOperationException("not needed by the atomic pools");
    }

    @Override
    public PhysMemory memory() {
        return ram;
    }

    /** Sparse RAM: a page exists once a non-zero byte was written into it. */
    static final class FakePhysMemory implements PhysMemory {
        private final long start;
        private final long end;
        private final Map<Long, byte[]> pages = new HashMap<>();

        FakePhysMemory(long start, long end) {
            this.start = start;
            this.end = end;
        }

        private void check(long phys, long len) {
            if (!isRam(phys, len)) {
                throw new IllegalArgumentException(String.format("[%#x, +%d) is not RAM", phys, len));
            }
        }

        @Override
        public synchronized void read(long phys, byte[] dst, int off, int len) {
            check(phys, len);
            for (int i = 0; i < len; i++) {
                byte[] p = pages.get((phys + i) >>> Page.PAGE_SHIFT);
                dst[off + i] = p == null ? 0 : p[(int) ((phys + i) & (Page.PAGE_SIZE - 1))];
            }
        }

        @Override
        public synchronized void write(long phys, byte[] src, int off, int len) {
            check(phys, len);
            for (int i = 0; i < len; i++) {
                put(phys + i, src[off + i]);
            }
        }

        private void put(long phys, byte v) {
            byte[] p = pages.get(phys >>> Page.PAGE_SHIFT);
            if (p == null) {
                if (v == 0) {
                    return;
                }
                p = new byte[(int) Page.PAGE_SIZE];
                pages.put(phys >>> Page.PAGE_SHIFT, p);
            }
            p[(int) (phys & (Page.PAGE_SIZE - 1))] = v;
        }

        @Override
        public synchronized void fill(long phys, long len, byte value) {
            check(phys, len);
            long p = phys;
            long end = phys + len;
            while (p < end) {
                long pfn = p >>> Page.PAGE_SHIFT;
                int from = (int) (p & (Page.PAGE_SIZE - 1));
                int to = (int) Math.min(Page.PAGE_SIZE, end - (pfn << Page.PAGE_SHIFT));
                byte[] page = pages.get(pfn);
                if (page == null && value != 0) {
                    page = new byte[(int) Page.PAGE_SIZE];
                    pages.put(pfn, page);
                }
                if (page != null) {
                    java.util.Arrays.fill(page, from, to, value);
                }
                p = (pfn + 1) << Page.PAGE_SHIFT;
            }
        }

        @Override
        public synchronized void copy(long dstPhys, long srcPhys, long len) {
            byte[] b = read(srcPhys, (int) len);
            write(dstPhys, b);
        }

        @Override
        public boolean isRam(long phys, long len) {
            return len >= 0 && phys >= start && phys + len <= end;
        }

        @Override
        public synchronized long materialisedPages() {
            return pages.size();
        }
    }
}
