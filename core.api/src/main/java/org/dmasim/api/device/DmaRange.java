package org.dmasim.api.device;

/**
 * One {@code struct bus_dma_region} from a bus's {@code dma-ranges}: CPU physical
 * [cpuStart, cpuStart + size) appears to devices at [dmaStart, dmaStart + size).
 */
public record DmaRange(long cpuStart, long dmaStart, long size) {
    /** The kernel's {@code offset} field: cpu_start - dma_start. */
    public long offset() {
        return cpuStart - dmaStart;
    }
}
