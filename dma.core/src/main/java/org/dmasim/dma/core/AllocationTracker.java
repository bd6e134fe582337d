package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaOps;

/**
 * The live coherent allocations of one platform, keyed by (device, bus address), each with the
 * ops that made it and what they need back at free time. A free is judged against its record
 * ({@link #judge}) whether or not DMA-API debugging runs: one that does not match is refused
 * ({@link org.dmasim.dma.core.debug.Misuse}) instead of corrupting an allocator as the real
 * kernel would.
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

    /** Whether a coherent buffer or {@code dma_alloc_pages}' pages: the API family a free must match. */
    static boolean isCoherent(CoherentBuffer b) {
        return b.kind().equals("coherent");
    }

    /** What a free finds against the records. */
    enum Verdict {
        /** The record matches: the free goes ahead. */
        MATCHES,
        /** DMA_MAPPING_ERROR. */
        INVALID_ADDRESS,
        /** No record at (device, bus address). */
        NOT_ALLOCATED,
        /** The buffer was revoked when its backend was forced out. */
        REVOKED,
        /** A coherent buffer freed as pages or the other way round. */
        WRONG_FUNCTION,
        WRONG_SIZE,
        WRONG_CPU_ADDRESS
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
     * Judges a free against the records.
     *
     * @param coherent whether the free is {@code dma_free_coherent}'s (else {@code dma_free_pages}')
     */
    synchronized Verdict judge(Device dev, long size, long cpuAddr, long dma, boolean coherent) {
        if (dma == DmaAddress.DMA_MAPPING_ERROR) {
            return Verdict.INVALID_ADDRESS;
        }
        Coherent c = live.get(new Key(dev.name(), dma));
        if (c == null) {
            return revoked.containsKey(new Key(dev.name(), dma)) ? Verdict.REVOKED : Verdict.NOT_ALLOCATED;
        }
        CoherentBuffer b = c.buffer();
        if (isCoherent(b) != coherent) {
            return Verdict.WRONG_FUNCTION;
        }
        if (b.size() != size) {
            return Verdict.WRONG_SIZE;
        }
        // DMA-API debugging compares the pages behind the two CPU addresses; dmasim also refuses
        // another alias of the same memory, whose free would leave the vmap area behind.
        return b.cpuAddr() != cpuAddr ? Verdict.WRONG_CPU_ADDRESS : Verdict.MATCHES;
    }

    /** The id of the forced-out instance that revoked the buffer at (device, bus address), or null. */
    synchronized String revokedBy(String device, long dma) {
        return revoked.get(new Key(device, dma));
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
