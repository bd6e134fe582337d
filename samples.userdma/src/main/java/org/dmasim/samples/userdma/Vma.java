package org.dmasim.samples.userdma;

import org.dmasim.api.mem.MemAttr;

/**
 * One {@code vm_area_struct}: [start, end), its flags, and what backs it. Anonymous VMAs fault their
 * pages in; a PFN map ({@code remap_pfn_range}) names its page frames and memory type up front.
 */
final class Vma {
    static final int VM_READ = 0x1;
    static final int VM_WRITE = 0x2;
    static final int VM_SHARED = 0x8;
    static final int VM_IO = 0x4000;
    static final int VM_DONTEXPAND = 0x40000;
    static final int VM_PFNMAP = 0x400;
    static final int VM_DONTDUMP = 0x4000000;

    final long start;
    final long end;
    int flags;
    /** The PFN map's frames, one per page, or null for anonymous memory. */
    long[] pfns;
    MemAttr attr = MemAttr.NORMAL;
    String backing = "[anon]";

    Vma(long start, long end, int flags) {
        this.start = start;
        this.end = end;
        this.flags = flags;
    }

    long pages() {
        return (end - start) >>> 12;
    }

    boolean contains(long addr) {
        return addr >= start && addr < end;
    }

    @Override
    public String toString() {
        return String.format("%012x-%012x %s%s%s %s%s%s", start, end, (flags & VM_READ) != 0 ? "r" : "-",
            (flags & VM_WRITE) != 0 ? "w" : "-", (flags & VM_SHARED) != 0 ? "s" : "p", backing,
            (flags & VM_PFNMAP) != 0 ? " VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP" : "",
            pfns != null ? " " + attr.kernelName() : "");
    }
}
