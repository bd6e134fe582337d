package org.dmasim.api.platform;

/**
 * A physical address range [base, base + size): a RAM bank or a region. Sizes are unsigned, and
 * a range that would run past the top of the 64-bit address space is cut short there, as
 * {@code memblock_cap_size()} cuts it (the end stays below 2^64).
 */
public record MemoryRange(long base, long size) {
    public MemoryRange {
        if (size == 0) {
            throw new InvalidInputException(String.format("memory range at %#x: size 0", base));
        }
        long max = -1L - base;
        if (Long.compareUnsigned(size, max) > 0) {
            size = max;
        }
        if (size == 0) {
            throw new InvalidInputException(String.format("memory range at %#x: starts at the last byte of the 64-bit"
                + " address space", base));
        }
    }

    /** Exclusive end (at most 2^64 - 1). */
    public long end() {
        return base + size;
    }

    public boolean overlaps(MemoryRange o) {
        return Long.compareUnsigned(base, o.end()) < 0 && Long.compareUnsigned(o.base, end()) < 0;
    }
}
