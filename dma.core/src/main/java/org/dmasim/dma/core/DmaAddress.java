package org.dmasim.dma.core;

import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.device.DmaRange;

/**
 * Bus address translation of dma-direct ({@code include/linux/dma-direct.h}, 6.1). A device
 * with a {@code dma_range_map} sees CPU physical address {@code p} at {@code p - offset} of the
 * first range containing it; no containing range means the address is unreachable.
 */
final class DmaAddress {
    /** {@code DMA_MAPPING_ERROR}. */
    static final long DMA_MAPPING_ERROR = -1L;
    /** {@code PHYS_ADDR_MAX}, what translate_dma_to_phys returns for an unmapped bus address. */
    static final long PHYS_ADDR_MAX = -1L;

    private DmaAddress() {
    }

    /** {@code phys_to_dma_direct} (no memory encryption is simulated). */
    static long physToDma(DmaDevice dev, long phys) {
        return DmaRange.physToDma(dev.dmaRanges(), phys);
    }

    /** {@code dma_to_phys}. */
    static long dmaToPhys(DmaDevice dev, long dma) {
        return DmaRange.dmaToPhys(dev.dmaRanges(), dma);
    }

    /** {@code min_not_zero}, unsigned. */
    static long minNotZero(long a, long b) {
        if (a == 0) {
            return b;
        }
        if (b == 0) {
            return a;
        }
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    /** {@code DMA_BIT_MASK(n)}. */
    static long bitMask(int n) {
        return n >= 64 ? -1L : (1L << n) - 1;
    }

    /** {@code dma_coherent_ok}: the whole buffer is below the device's coherent limit. */
    static boolean coherentOk(DmaDevice dev, long phys, long size) {
        long dma = physToDma(dev, phys);
        if (dma == DMA_MAPPING_ERROR) {
            return false;
        }
        return Long.compareUnsigned(dma + size - 1, minNotZero(dev.coherentDmaMask(), dev.busDmaLimit())) <= 0;
    }
}
