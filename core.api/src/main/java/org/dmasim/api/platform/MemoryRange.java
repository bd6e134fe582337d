package org.dmasim.api.platform;

/** A physical address range [base, base + size): a RAM bank or a region. */
public record MemoryRange(long base, long size) {
    public MemoryRange {
        if (size <= 0) {
            throw new InvalidInputException(String.format("memory range at %#x: size %#x must be positive", base, size));
        }
    }

    /** Exclusive end. */
    public long end() {
        return base + size;
    }

    public boolean overlaps(MemoryRange o) {
        return base < o.end() && o.base < end();
    }
}
