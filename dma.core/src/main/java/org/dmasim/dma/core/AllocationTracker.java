package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dmasim.api.dma.CoherentBuffer;

/**
 * The live allocations of one platform, keyed like DMA-API debug's hash (device, bus address),
 * and the checks {@code debug_dma_free_coherent} / {@code debug_dma_unmap_page} run on a free.
 * dmasim runs them on every free, debug or not: a free that fails a check is refused (with the
 * kernel's DMA-API message) instead of corrupting an allocator as the real kernel would.
 */
final class AllocationTracker {
    /** debug.c's type names: coherent buffers vs dma_alloc_pages' "single" mappings. */
    static String debugType(CoherentBuffer b) {
        return b.kind().equals("coherent") ? "coherent" : "single";
    }

    private record Key(String device, long dma) {
    }

    private final Map<Key, CoherentBuffer> live = new LinkedHashMap<>();

    synchronized void add(CoherentBuffer b) {
        live.put(new Key(b.device(), b.dmaHandle()), b);
    }

    /**
     * Finds what a free refers to, or explains why it refers to nothing valid.
     *
     * @param type "coherent" or "single": the API family of the free
     * @throws IllegalArgumentException with the DMA-API debug message
     */
    synchronized CoherentBuffer check(Device dev, long size, long cpuAddr, long dma, String type,
        java.util.function.LongUnaryOperator cpuToPhys) {
        String prefix = "DMA-API: " + dev.driverString() + " " + dev.name() + ": ";
        if (dma == DmaAddress.DMA_MAPPING_ERROR) {
            throw new IllegalArgumentException(prefix + String.format(
                "device driver tries to free an invalid DMA memory address"));
        }
        CoherentBuffer b = live.get(new Key(dev.name(), dma));
        if (b == null) {
            throw new IllegalArgumentException(prefix + String.format(
                "device driver tries to free DMA memory it has not allocated [device address=0x%016x] [size=%d bytes]",
                dma, size));
        }
        if (b.size() != size) {
            throw new IllegalArgumentException(prefix + String.format(
                "device driver frees DMA memory with different size [device address=0x%016x] [map size=%d bytes]"
                    + " [unmap size=%d bytes]", dma, b.size(), size));
        }
        if (!debugType(b).equals(type)) {
            throw new IllegalArgumentException(prefix + String.format(
                "device driver frees DMA memory with wrong function [device address=0x%016x] [size=%d bytes]"
                    + " [mapped as %s] [unmapped as %s]", dma, size, debugType(b), type));
        }
        if (b.cpuAddr() != cpuAddr) {
            // debug.c compares (and prints) the physical addresses behind the two CPU addresses;
            // dmasim also refuses a different alias of the same memory, which would leak the vmap.
            throw new IllegalArgumentException(prefix + String.format(
                "device driver frees DMA memory with different CPU address [device address=0x%016x] [size=%d bytes]"
                    + " [cpu alloc address=0x%016x] [cpu free address=0x%016x]", dma, size,
                cpuToPhys.applyAsLong(b.cpuAddr()), cpuToPhys.applyAsLong(cpuAddr)));
        }
        return b;
    }

    synchronized void remove(CoherentBuffer b) {
        live.remove(new Key(b.device(), b.dmaHandle()));
    }

    synchronized List<CoherentBuffer> all() {
        return new ArrayList<>(live.values());
    }
}
