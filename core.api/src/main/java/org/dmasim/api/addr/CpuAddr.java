package org.dmasim.api.addr;

/**
 * A kernel virtual address ({@code void *cpu_addr}): what the simulated CPU loads and stores
 * through, a linear-map address, a vmalloc-space alias, or the {@code struct page} cookie of
 * DMA_ATTR_NO_KERNEL_MAPPING.
 *
 * @param value the address, an unsigned 64-bit number
 */
public record CpuAddr(long value) {
    public static CpuAddr of(long cpuAddr) {
        return new CpuAddr(cpuAddr);
    }

    /** The address {@code offset} bytes further. */
    public CpuAddr plus(long offset) {
        return new CpuAddr(value + offset);
    }

    @Override
    public String toString() {
        return "cpu 0x" + Long.toHexString(value);
    }
}
