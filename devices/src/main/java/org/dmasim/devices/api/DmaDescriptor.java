package org.dmasim.devices.api;

import org.dmasim.api.addr.DmaAddr;

/**
 * One scatter-gather descriptor as a driver writes it for its device: a bus address and a length
 * ({@code sg_dma_address}, {@code sg_dma_len} of a mapped entry).
 */
public record DmaDescriptor(DmaAddr dmaHandle, long length) {
    public DmaDescriptor {
        if (length < 1) {
            throw new IllegalArgumentException("descriptor length " + length + " (expected: at least 1 byte)");
        }
    }

    @Override
    public String toString() {
        return String.format("[0x%x+0x%x]", dmaHandle.value(), length);
    }
}
