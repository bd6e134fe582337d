package org.dmasim.api.mem;

/**
 * One vmalloc-space mapping ({@code struct vm_struct}): {@code size} bytes at kernel virtual
 * {@code addr} with memory type {@code attr}, mapping physically contiguous memory from
 * {@code phys}, or, for a {@code vmap} of a page array, the pages {@code pfns} in order
 * ({@code phys} is then the first page's address). {@code size} excludes the guard page that
 * follows every area.
 *
 * @param pfns the pages of a page-array mapping, one per 4 KiB of {@code size}; null for a
 *     contiguous one
 */
public record VmArea(long addr, long size, long phys, MemAttr attr, String caller, long[] pfns) {
    /** A mapping of contiguous memory. */
    public VmArea(long addr, long size, long phys, MemAttr attr, String caller) {
        this(addr, size, phys, attr, caller, null);
    }

    public boolean contains(long kva) {
        return Long.compareUnsigned(kva, addr) >= 0 && Long.compareUnsigned(kva - addr, size) < 0;
    }

    /**
     * The physical address behind {@code kva} (inside the area).
     *
     * @since 1.2
     */
    public long physOf(long kva) {
        long off = kva - addr;
        if (pfns == null) {
            return phys + off;
        }
        return (pfns[(int) (off >>> 12)] << 12) + (off & 0xfff);
    }

    /**
     * Bytes from {@code kva} to the end of its physically contiguous run (the area's end for a
     * contiguous mapping, the page's end for a page array).
     *
     * @since 1.2
     */
    public long contiguousFrom(long kva) {
        return pfns == null ? addr + size - kva : 0x1000 - (kva & 0xfff);
    }
}
