package org.dmasim.api.device;

/**
 * One {@code struct bus_dma_region} from a bus's {@code dma-ranges}: CPU physical
 * [cpuStart, cpuStart + size) appears to devices at [dmaStart, dmaStart + size).
 */
public record DmaRange(long cpuStart, long dmaStart, long size) {
    /** What {@code phys_to_dma} and {@code dma_to_phys} return outside every range: all ones. */
    public static final long NO_ADDRESS = -1L;

    /** The kernel's {@code offset} field: cpu_start - dma_start. */
    public long offset() {
        return cpuStart - dmaStart;
    }

    /**
     * {@code phys_to_dma} over a {@code dma_range_map}: the bus address of CPU physical
     * {@code phys} through the first range holding it; {@code phys} itself for an empty map;
     * {@link #NO_ADDRESS} when no range holds it.
     *
     * @since 1.3
     */
    public static long physToDma(java.util.List<DmaRange> map, long phys) {
        if (map.isEmpty()) {
            return phys;
        }
        for (DmaRange r : map) {
            if (Long.compareUnsigned(phys, r.cpuStart) >= 0 && Long.compareUnsigned(phys - r.cpuStart, r.size) < 0) {
                return phys - r.offset();
            }
        }
        return NO_ADDRESS;
    }

    /**
     * {@code dma_to_phys} over a {@code dma_range_map}: the CPU physical address of bus address
     * {@code dma}; {@link #NO_ADDRESS} when no range holds it.
     *
     * @since 1.3
     */
    public static long dmaToPhys(java.util.List<DmaRange> map, long dma) {
        if (map.isEmpty()) {
            return dma;
        }
        for (DmaRange r : map) {
            if (Long.compareUnsigned(dma, r.dmaStart) >= 0 && Long.compareUnsigned(dma - r.dmaStart, r.size) < 0) {
                return dma + r.offset();
            }
        }
        return NO_ADDRESS;
    }
}
