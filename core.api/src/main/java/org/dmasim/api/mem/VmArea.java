package org.dmasim.api.mem;

/**
 * One vmalloc-space mapping ({@code struct vm_struct}): {@code size} bytes at kernel virtual
 * {@code addr} map physically contiguous memory from {@code phys}, with memory type
 * {@code attr}. {@code size} excludes the guard page that follows every area.
 */
public record VmArea(long addr, long size, long phys, MemAttr attr, String caller) {
    public boolean contains(long kva) {
        return Long.compareUnsigned(kva, addr) >= 0 && Long.compareUnsigned(kva - addr, size) < 0;
    }
}
