package org.dmasim.testing;

import java.util.ArrayList;
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
 * The kernel address space for tests: the 6.1 linear-map and vmalloc bases of the arch (arm64:
 * PAGE_OFFSET 0xffff000000000000 over memstart_addr, the RAM start rounded down to 1 GiB;
 * x86_64: 0xffff888000000000 over 0), vmap as a bump allocator with a guard page after each
 * area (enough for tests: areas are not reused), and a {@link FakeRam} behind both.
 */
public final class FakeKernelVm implements KernelVm {
    private final long pageOffset;
    private final long memstart;
    private long nextVmalloc;
    private final TreeMap<Long, VmArea> areas = new TreeMap<>(Long::compareUnsigned);
    /** The RAM behind the mappings. */
    public final FakeRam ram;

    public FakeKernelVm(Arch arch, long ramStart, long ramEnd) {
        this.ram = new FakeRam(ramStart, ramEnd);
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
            return a.get().physOf(kva);
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
    public synchronized long vmapPages(long[] pfns, MemAttr attr, String caller) {
        long addr = nextVmalloc;
        long size = (long) pfns.length * Page.PAGE_SIZE;
        areas.put(addr, new VmArea(addr, size, Page.pfnPhys(pfns[0]), attr, caller, pfns.clone()));
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

    /** Bytes from kva that are physically contiguous with it. */
    private long run(long kva) {
        return findVmArea(kva).map(a -> a.contiguousFrom(kva)).orElse(Long.MAX_VALUE);
    }

    @Override
    public void cpuRead(long kva, byte[] dst, int off, int len) {
        physOfRange(kva, len);
        for (int done = 0; done < len; ) {
            int n = (int) Math.min(len - done, run(kva + done));
            ram.read(toPhys(kva + done), dst, off + done, n);
            done += n;
        }
    }

    @Override
    public void cpuWrite(long kva, byte[] src, int off, int len) {
        physOfRange(kva, len);
        for (int done = 0; done < len; ) {
            int n = (int) Math.min(len - done, run(kva + done));
            ram.write(toPhys(kva + done), src, off + done, n);
            done += n;
        }
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
        throw new UnsupportedOperationException("the test kernel VM has no vmemmap");
    }

    @Override
    public long pageStructToPfn(long addr) {
        throw new UnsupportedOperationException("the test kernel VM has no vmemmap");
    }

    @Override
    public PhysMemory memory() {
        return ram;
    }
}
