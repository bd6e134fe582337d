package org.dmasim.platform.mem;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.dmasim.api.boot.KernelVirtualLayout;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mem.VmArea;
import org.dmasim.api.mm.Page;

/**
 * The kernel's virtual address space as far as DMA uses it: the linear map and vmalloc, laid
 * out as the architecture says ({@link KernelVirtualLayout}, from {@code ArchSupport}).
 *
 * <p>Linear map: one offset for all of RAM, {@code __va(p) = PAGE_OFFSET + (p - PHYS_OFFSET)};
 * it covers [PHYS_OFFSET, end of DRAM).
 *
 * <p>vmalloc: areas kept in a tree by start address. {@code vmap} takes the lowest gap at or
 * above VMALLOC_START that holds the area plus one guard page (alloc_vmap_area's lowest-first
 * search with the default guard), page aligned; {@code vunmap} gives the gap back. A pfn's
 * {@code struct page} sits at {@code vmemmap + pfn * sizeof(struct page)}.
 *
 * <p>CPU accesses take the path the mapping's memory type gives them: a cacheable mapping
 * (the linear map, MT_NORMAL aliases) goes through the platform's {@link DataCache}, a
 * non-cacheable one (MT_NORMAL_NC, device types) straight to RAM around it. Linear addresses
 * resolve without a lock; vmalloc ones under this object's lock.
 */
public final class KernelAddressSpace implements KernelVm {
    static final long STRUCT_PAGE_SIZE = Page.STRUCT_PAGE_SIZE;

    private final DataCache cache;
    private final long pageOffset;
    private final long physOffset;
    private final long vmallocStart;
    private final long vmallocEnd;
    private final long vmemmap;
    private final long ramEnd;
    /** vmalloc areas by start address. */
    private final TreeMap<Long, VmArea> areas = new TreeMap<>(Long::compareUnsigned);

    public KernelAddressSpace(KernelVirtualLayout layout, DataCache cache, long dramEnd) {
        this.cache = cache;
        this.ramEnd = dramEnd;
        this.pageOffset = layout.pageOffset();
        this.physOffset = layout.physOffset();
        this.vmallocStart = layout.vmallocStart();
        this.vmallocEnd = layout.vmallocEnd();
        this.vmemmap = layout.vmemmap();
    }

    @Override
    public long linearAddress(long phys) {
        if (phys < physOffset || phys >= ramEnd) {
            throw new IllegalArgumentException(String.format(
                "phys_to_virt(%#x): outside the linear map [%#x-%#x)", phys, physOffset, ramEnd));
        }
        return pageOffset + (phys - physOffset);
    }

    @Override
    public boolean isLinear(long kva) {
        return Long.compareUnsigned(kva, pageOffset) >= 0
            && Long.compareUnsigned(kva - pageOffset, ramEnd - physOffset) < 0;
    }

    @Override
    public boolean isVmalloc(long kva) {
        return Long.compareUnsigned(kva, vmallocStart) >= 0 && Long.compareUnsigned(kva, vmallocEnd) < 0;
    }

    @Override
    public long toPhys(long kva) {
        if (isLinear(kva)) {
            return kva - pageOffset + physOffset;
        }
        synchronized (this) {
            return areaOf(kva).physOf(kva);
        }
    }

    private VmArea areaOf(long kva) {
        Map.Entry<Long, VmArea> e = areas.floorEntry(kva);
        if (e == null || !e.getValue().contains(kva)) {
            throw new IllegalArgumentException(String.format(
                "Unable to handle kernel paging request at virtual address %016x (no linear or vmalloc mapping)",
                kva));
        }
        return e.getValue();
    }

    @Override
    public synchronized long vmap(long phys, long size, MemAttr attr, String caller) {
        if (size <= 0 || (size & (Page.PAGE_SIZE - 1)) != 0 || (phys & (Page.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                "vmap(%#x, %#x): phys and size must be page aligned and size > 0", phys, size));
        }
        if (!cache.ram().isRam(phys, size)) {
            throw new IllegalArgumentException(String.format("vmap(%#x, %#x): not RAM of this platform", phys, size));
        }
        long candidate = lowestGap(size);
        areas.put(candidate, new VmArea(candidate, size, phys, attr, caller));
        return candidate;
    }

    @Override
    public synchronized long vmapPages(long[] pfns, MemAttr attr, String caller) {
        if (pfns.length == 0) {
            throw new IllegalArgumentException("vmap of 0 pages (expected at least one page)");
        }
        for (long pfn : pfns) {
            if (!cache.ram().isRam(Page.pfnPhys(pfn), Page.PAGE_SIZE)) {
                throw new IllegalArgumentException(String.format("vmap: page %#x (pfn) is not RAM of this platform",
                    pfn));
            }
        }
        long size = (long) pfns.length * Page.PAGE_SIZE;
        long candidate = lowestGap(size);
        areas.put(candidate, new VmArea(candidate, size, Page.pfnPhys(pfns[0]), attr, caller, pfns.clone()));
        return candidate;
    }

    /** alloc_vmap_area: the lowest vmalloc address with room for {@code size} and a guard page. */
    private long lowestGap(long size) {
        long need = size + Page.PAGE_SIZE;
        long candidate = vmallocStart;
        for (VmArea a : areas.values()) {
            if (Long.compareUnsigned(a.addr() - candidate, need) >= 0 && Long.compareUnsigned(a.addr(), candidate) >= 0) {
                break;
            }
            candidate = a.addr() + a.size() + Page.PAGE_SIZE;
        }
        if (Long.compareUnsigned(vmallocEnd - candidate, need) < 0) {
            throw new IllegalStateException(String.format(
                "vmap allocation for size %d failed: use vmalloc=<size> to increase size", size));
        }
        return candidate;
    }

    @Override
    public synchronized void vunmap(long kva) {
        VmArea a = areas.get(kva);
        if (a == null) {
            throw new IllegalArgumentException(String.format(
                "Trying to vunmap() nonexistent vm area (%016x)", kva));
        }
        areas.remove(kva);
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
        if (isLinear(kva)) {
            return MemAttr.NORMAL;
        }
        synchronized (this) {
            return areaOf(kva).attr();
        }
    }

    /** Where a CPU access lands: its physical address and the path its mapping's type gives it. */
    private record Target(long phys, PhysMemory path, long run) {
    }

    /** Resolves [kva, kva + len) to phys and path, refusing ranges that leave their mapping. */
    private Target resolve(long kva, long len) {
        if (isLinear(kva)) {
            if (!isLinear(kva + Math.max(len, 1) - 1)) {
                throw new IllegalArgumentException(String.format(
                    "Unable to handle kernel paging request at virtual address %016x (beyond the linear map)",
                    kva + len - 1));
            }
            return new Target(kva - pageOffset + physOffset, cache.cpu(), Long.MAX_VALUE);
        }
        VmArea a;
        synchronized (this) {
            a = areaOf(kva);
        }
        if (len > 0 && !a.contains(kva + len - 1)) {
            throw new IllegalArgumentException(String.format(
                "Unable to handle kernel paging request at virtual address %016x (past the end of the vmalloc area at %016x)",
                a.addr() + a.size(), a.addr()));
        }
        return new Target(a.physOf(kva), a.attr().cacheable() ? cache.cpu() : cache.uncached(), a.contiguousFrom(kva));
    }

    @Override
    public void cpuRead(long kva, byte[] dst, int off, int len) {
        int done = 0;
        do {
            Target t = resolve(kva + done, len - done);
            int n = (int) Math.min(len - done, t.run());
            t.path().read(t.phys(), dst, off + done, n);
            done += n;
        } while (done < len);
    }

    @Override
    public void cpuWrite(long kva, byte[] src, int off, int len) {
        int done = 0;
        do {
            Target t = resolve(kva + done, len - done);
            int n = (int) Math.min(len - done, t.run());
            t.path().write(t.phys(), src, off + done, n);
            done += n;
        } while (done < len);
    }

    @Override
    public void cpuFill(long kva, long len, byte value) {
        long done = 0;
        do {
            Target t = resolve(kva + done, len - done);
            long n = Math.min(len - done, t.run());
            t.path().fill(t.phys(), n, value);
            done += n;
        } while (done < len);
    }

    @Override
    public long pageStruct(long pfn) {
        return vmemmap + pfn * STRUCT_PAGE_SIZE;
    }

    @Override
    public long pageStructToPfn(long addr) {
        long off = addr - vmemmap;
        if (off < 0 || off % STRUCT_PAGE_SIZE != 0) {
            return -1;
        }
        long pfn = off / STRUCT_PAGE_SIZE;
        return cache.ram().isRam(Page.pfnPhys(pfn), Page.PAGE_SIZE) ? pfn : -1;
    }

    @Override
    public PhysMemory memory() {
        return cache.ram();
    }
}
