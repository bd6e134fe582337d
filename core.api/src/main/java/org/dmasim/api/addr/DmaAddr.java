package org.dmasim.api.addr;

/**
 * A DMA (bus) address ({@code dma_addr_t}): what a device puts on the bus to reach memory. It is
 * the physical address less the device's {@code dma-ranges} offset, a swiotlb bounce slot, or an
 * IOVA; the CPU never dereferences it.
 *
 * @param value the address, an unsigned 64-bit number; all ones is {@code DMA_MAPPING_ERROR}
 */
public record DmaAddr(long value) {
    /** {@code DMA_MAPPING_ERROR}: {@code (dma_addr_t)~0}. */
    public static final long MAPPING_ERROR_VALUE = -1L;
    /** What a failed map returns. */
    public static final DmaAddr MAPPING_ERROR = new DmaAddr(MAPPING_ERROR_VALUE);

    public static DmaAddr of(long dmaHandle) {
        return dmaHandle == MAPPING_ERROR_VALUE ? MAPPING_ERROR : new DmaAddr(dmaHandle);
    }

    /** Whether this is {@code DMA_MAPPING_ERROR} (what {@code dma_mapping_error} tests). */
    public boolean isMappingError() {
        return value == MAPPING_ERROR_VALUE;
    }

    /** The address {@code offset} bytes further ({@code dma_sync_single_range_*}'s {@code addr + offset}). */
    public DmaAddr plus(long offset) {
        return new DmaAddr(value + offset);
    }

    @Override
    public String toString() {
        return isMappingError() ? "DMA_MAPPING_ERROR" : "dma 0x" + Long.toHexString(value);
    }
}
