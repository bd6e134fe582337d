package org.dmasim.atomicpool;

import java.util.ArrayList;
import java.util.List;

/**
 * One of the three atomic pools of {@code kernel/dma/pool.c} ({@code atomic_pool_kernel},
 * {@code atomic_pool_dma}, {@code atomic_pool_dma32}): a {@link GenPool} with page granularity
 * and the GFP its chunks are allocated with. The pool only grows: chunks are added at boot and
 * by the expansion worker and never given back.
 */
final class AtomicPool {
    /** Where a chunk's pages came from. */
    enum Source { CMA, BUDDY }

    /** A chunk as added, with its source (for views and tests). */
    record ChunkRecord(long virt, long phys, long size, Source source) {
    }

    private final String name;
    private final int gfp;
    private final GenPool gen;
    private final List<ChunkRecord> added = new ArrayList<>();

    AtomicPool(String name, int gfp, int minAllocOrder) {
        this.name = name;
        this.gfp = gfp;
        this.gen = new GenPool("atomic_pool_" + name, minAllocOrder);
    }

    /** "kernel", "dma" or "dma32": the suffix of the pool's debugfs file. */
    String name() {
        return name;
    }

    int gfp() {
        return gfp;
    }

    GenPool gen() {
        return gen;
    }

    /** {@code gen_pool_add_virt} of a freshly expanded chunk. */
    synchronized void addChunk(long virt, long phys, long size, Source source) {
        gen.addVirt(virt, phys, size);
        added.add(new ChunkRecord(virt, phys, size, source));
    }

    /** Chunks in the order they were added (oldest first). */
    synchronized List<ChunkRecord> chunksAdded() {
        return List.copyOf(added);
    }

    @Override
    public String toString() {
        return "atomic_pool_" + name + " (gfp 0x" + Integer.toHexString(gfp) + ")";
    }
}
