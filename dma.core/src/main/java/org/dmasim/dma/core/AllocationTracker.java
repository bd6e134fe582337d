package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaOps;

/**
 * The live coherent allocations of one platform, keyed like DMA-API debug's hash (device, bus
 * address), each with the ops that made it and what they need back at free time, and the checks
 * {@code debug_dma_free_coherent} / {@code debug_dma_unmap_page} run on a free. dmasim runs them
 * on every free, debug or not: a free that fails a check is refused (with the kernel's DMA-API
 * message) instead of corrupting an allocator as the real kernel would.
 */
final class AllocationTracker {
    /** One live buffer: the ops that made it (its free goes there) and their allocation record. */
    record Coherent(DmaOps ops, DmaOps.Allocation allocation) {
        CoherentBuffer buffer() {
            return allocation.buffer();
        }

        boolean holds(BackendInstance instance) {
            return allocation.backend().map(b -> b == instance).orElse(false)
                || ops.instance().map(b -> b == instance).orElse(false);
        }
    }

    /** debug.c's type names: coherent buffers vs dma_alloc_pages' "single" mappings. */
    static String debugType(CoherentBuffer b) {
        return b.kind().equals("coherent") ? "coherent" : "single";
    }

    private record Key(String device, long dma) {
    }

    private final Map<Key, Coherent> live = new LinkedHashMap<>();
    /** Buffers whose backend was forced out, with its id: their frees are refused (the memory is not theirs any more). */
    private final Map<Key, String> revoked = new LinkedHashMap<>();

    synchronized void add(Coherent c) {
        live.put(new Key(c.buffer().device(), c.buffer().dmaHandle()), c);
    }

    /**
     * Finds what a free refers to, or explains why it refers to nothing valid.
     *
     * @param type "coherent" or "single": the API family of the free
     * @throws IllegalArgumentException with the DMA-API debug message
     */
    synchronized Coherent check(Device dev, long size, long cpuAddr, long dma, String type,
        java.util.function.LongUnaryOperator cpuToPhys) {
        String prefix = "DMA-API: " + dev.driverString() + " " + dev.name() + ": ";
        if (dma == DmaAddress.DMA_MAPPING_ERROR) {
            throw new IllegalArgumentException(prefix + String.format(
                "device driver tries to free an invalid DMA memory address"));
        }
        Coherent c = live.get(new Key(dev.name(), dma));
        if (c == null) {
            String gone = revoked.get(new Key(dev.name(), dma));
            if (gone != null) {
                throw new IllegalArgumentException("dmasim: " + dev.driverString() + " " + dev.name() + String.format(
                    ": the buffer at device address 0x%016x was revoked when %s was forced out; nothing is freed",
                    dma, gone));
            }
            throw new IllegalArgumentException(prefix + String.format(
                "device driver tries to free DMA memory it has not allocated [device address=0x%016x] [size=%d bytes]",
                dma, size));
        }
        CoherentBuffer b = c.buffer();
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
        return c;
    }

    /** The live buffer at (device, bus address), or null. */
    synchronized Coherent find(String device, long dma) {
        return live.get(new Key(device, dma));
    }

    synchronized void remove(Coherent c) {
        live.remove(new Key(c.buffer().device(), c.buffer().dmaHandle()), c);
    }

    /** Moves the buffers holding {@code instance} to the revoked ones; returns them, oldest first. */
    synchronized List<Coherent> revoke(BackendInstance instance) {
        List<Coherent> out = new ArrayList<>();
        for (var it = live.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (e.getValue().holds(instance)) {
                out.add(e.getValue());
                revoked.put(e.getKey(), instance.id());
                it.remove();
            }
        }
        return out;
    }

    synchronized List<CoherentBuffer> all() {
        List<CoherentBuffer> out = new ArrayList<>();
        for (Coherent c : live.values()) {
            out.add(c.buffer());
        }
        return out;
    }

    /** The live buffers of one device. */
    synchronized List<Coherent> of(String device) {
        List<Coherent> out = new ArrayList<>();
        for (Coherent c : live.values()) {
            if (c.buffer().device().equals(device)) {
                out.add(c);
            }
        }
        return out;
    }
}
