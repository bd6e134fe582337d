package org.dmasim.dmapool;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dmapool.DmaPoolEngine;
import org.dmasim.api.dmapool.DmaPoolHost;
import org.dmasim.api.mm.Gfp;

/**
 * A Linux 6.4+ dma_pool: one LIFO stack of free blocks for the whole pool, whatever chunk they
 * live in, and exact counters.
 *
 * <pre>
 *  pool.next_block --> blk --> blk --> blk --> NULL      struct dma_block, in the free block:
 *                      (any chunk, last freed first)      +-------------+-------------+
 *  nr_blocks, nr_active, nr_pages                         | next_block  | dma         |
 *                                                         +-------------+-------------+
 *                                                          8 bytes       8 bytes -> 16-byte minimum
 * </pre>
 *
 * <ol>
 * <li>alloc: pop the stack head (O(1)); when the stack is empty, drop the lock, allocate a
 *     chunk ({@code dma_alloc_coherent(dev, allocation, gfp & ~__GFP_ZERO)}), retake the lock
 *     and push its blocks so that they pop in ascending address order, then pop.</li>
 * <li>free: push. Without DMAPOOL_DEBUG the kernel checks nothing; with it, "bad dma" (no
 *     chunk holds the handle) and "already free" (a walk of the whole stack).</li>
 * <li>destroy: if any block is active, one "busy" line and <em>every</em> chunk is leaked;
 *     otherwise all chunks are freed.</li>
 * </ol>
 *
 * <p>Data layout here: a block is a pool-wide number {@code chunk * blocksPerChunk + index};
 * its CPU and bus addresses and its stack link live in arrays indexed by that number, so pop
 * and push touch a few array slots. A handed-out block's link is {@code BUSY}, which catches a
 * double free without the debug walk; a {@link ChunkTable} finds the chunk of a handle. With
 * DMAPOOL_DEBUG the {@code struct dma_block} words and the poison are written into simulated
 * memory as the kernel writes them.
 */
final class PoolV6_4 implements DmaPoolEngine {
    static final String VERSION = "6.4";
    /** {@code sizeof(struct dma_block)} on 64-bit: next_block pointer + dma_addr_t. */
    static final int BLOCK_HEADER = 16;
    private static final int NONE = -1;
    /** The stack link of a block that is handed out: it is on no stack. */
    private static final int BUSY = -2;

    private final DmaPoolHost host;
    private final DmaDevice dev;
    private final String name;
    private final BlockLayout layout;
    private final boolean debug;
    private final int perChunk;
    private final PoolLock lock = new PoolLock();
    private final ChunkTable table = new ChunkTable();
    private Chunk[] chunks = new Chunk[4];
    private long[] blockVaddr;
    private long[] blockDma;
    /** Stack link per block; {@link #BUSY} while the block is handed out. */
    private int[] next;
    private long nrBlocks;
    private int nrPages;
    private boolean dead;

    PoolV6_4(DmaPoolHost host, DmaDevice dev, String name, BlockLayout layout) {
        this.host = host;
        this.dev = dev;
        this.name = name;
        this.layout = layout;
        this.debug = host.debug();
        this.perChunk = layout.blocks();
        lock.head = NONE;
        int capacity = perChunk * 4;
        this.blockVaddr = new long[capacity];
        this.blockDma = new long[capacity];
        this.next = new int[capacity];
    }

    @Override
    public long alloc(int gfp, long[] handle, int slot) {
        Objects.checkIndex(slot, handle.length);
        long vaddr;
        lock.lock();
        try {
            live("dma_pool_alloc");
            vaddr = lock.head == NONE ? 0 : pop(handle, slot);
        } finally {
            lock.unlock();
        }
        if (vaddr == 0 && (vaddr = grow(gfp, handle, slot)) == 0) {
            return 0;
        }
        if (debug || (gfp & Gfp.__GFP_ZERO) != 0) {
            prepare(vaddr, gfp);
        }
        return vaddr;
    }

    /**
     * The empty-stack path, kept out of {@link #alloc} so the hot path stays small enough to
     * inline: {@code pool_alloc_page()} may sleep, so the kernel drops the pool lock around it.
     */
    private long grow(int gfp, long[] handle, int slot) {
        Optional<CoherentBuffer> fresh = host.dma().alloc(dev, layout.allocation, gfp & ~Gfp.__GFP_ZERO, 0);
        if (fresh.isEmpty()) {
            return 0;
        }
        lock.lock();
        try {
            if (dead) {
                host.dma().free(dev, layout.allocation, fresh.get().cpuAddr(), fresh.get().dmaHandle(), 0);
                live("dma_pool_alloc");
            }
            initialise(fresh.get());
            return pop(handle, slot);
        } finally {
            lock.unlock();
        }
    }

    /** {@code pool_check_block} (DMAPOOL_DEBUG) and the {@code __GFP_ZERO} memset. */
    private void prepare(long vaddr, int gfp) {
        if (debug) {
            Poison.check(host, dev, "pool_check_block", name, vaddr, BLOCK_HEADER, layout.size);
            if ((gfp & Gfp.__GFP_ZERO) == 0) {
                Poison.fill(host, vaddr, layout.size, Poison.ALLOCATED);
            }
        }
        if ((gfp & Gfp.__GFP_ZERO) != 0) {
            host.dma().kernelVm().cpuFill(vaddr, layout.size, (byte) 0);
        }
    }

    /** {@code pool_block_pop}; the lock is held and the stack is not empty. */
    private long pop(long[] handle, int slot) {
        int id = lock.head;
        lock.head = next[id];
        next[id] = BUSY;
        lock.active++;
        handle[slot] = blockDma[id];
        return blockVaddr[id];
    }

    /** {@code pool_initialise_page}: number the chunk's blocks and push them; the lock is held. */
    private void initialise(CoherentBuffer buf) {
        Chunk chunk = new Chunk(buf);
        int c = nrPages;
        int base = c * perChunk;
        if (c == chunks.length) {
            chunks = Arrays.copyOf(chunks, c * 2);
        }
        if (base + perChunk > next.length) {
            int capacity = Math.max(next.length * 2, base + perChunk);
            blockVaddr = Arrays.copyOf(blockVaddr, capacity);
            blockDma = Arrays.copyOf(blockDma, capacity);
            next = Arrays.copyOf(next, capacity);
        }
        byte[] image = null;
        if (debug) {
            image = new byte[layout.allocation];
            Arrays.fill(image, Poison.FREED);
        }
        for (int i = 0; i < perChunk; i++) {
            int id = base + i;
            int off = layout.offsets[i];
            blockVaddr[id] = chunk.vaddr + off;
            blockDma[id] = chunk.dma + off;
            next[id] = i + 1 < perChunk ? id + 1 : lock.head;
            if (image != null) {
                long nextVaddr = i + 1 < perChunk ? chunk.vaddr + layout.offsets[i + 1]
                    : lock.head == NONE ? 0 : blockVaddr[lock.head];
                Poison.putLink(image, off, nextVaddr, 8, image.length);
                Poison.putLink(image, off + 8, blockDma[id], 8, image.length);
            }
        }
        if (image != null) {
            host.dma().kernelVm().cpuWrite(chunk.vaddr, image);
        }
        lock.head = base;
        chunks[c] = chunk;
        nrPages++;
        nrBlocks += perChunk;
        table.add(c, chunk.dma, layout.allocation);
    }

    @Override
    public void free(long vaddr, long dma) {
        lock.lock();
        try {
            live("dma_pool_free");
            int c = findChunk(dma);
            if (c < 0) {
                throw badDma(vaddr, dma);
            }
            Chunk chunk = chunks[c];
            long off = dma - chunk.dma;
            if (vaddr - chunk.vaddr != off) {
                throw notABlock(vaddr, dma, "vaddr and dma are different blocks",
                    "it would push the CPU address with the other block's dma");
            }
            int idx = layout.indexOf((int) off);
            if (idx < 0) {
                throw notABlock(vaddr, dma, "not the start of a block", "it would push a block that overlaps two others");
            }
            int id = c * perChunk + idx;
            if (next[id] != BUSY) {
                throw alreadyFree(dma);
            }
            if (debug) {
                poisonFreed(vaddr, dma);
            }
            next[id] = lock.head;
            lock.head = id;
            lock.active--;
        } finally {
            lock.unlock();
        }
    }

    private IllegalArgumentException badDma(long vaddr, long dma) {
        String text = "pool_block_err " + name + ", " + KernelFmt.p(vaddr) + "/" + KernelFmt.pad(dma) + " (bad dma)";
        return debug ? Misuse.printed(host, dev, text) : Misuse.unnoticed(host, dev, text,
            "Linux 6.4 checks nothing without DMAPOOL_DEBUG; it would push the foreign block on this pool's free stack");
    }

    private IllegalArgumentException notABlock(long vaddr, long dma, String what, String consequence) {
        return Misuse.unnoticed(host, dev, "dma_pool_free " + name + ", " + KernelFmt.p(vaddr) + "/" + KernelFmt.pad(dma)
            + " (" + what + ")", "Linux 6.4 does not check this; " + consequence);
    }

    private IllegalArgumentException alreadyFree(long dma) {
        String text = "pool_block_err " + name + ", dma " + KernelFmt.pad(dma) + " already free";
        return debug ? Misuse.printed(host, dev, text) : Misuse.unnoticed(host, dev, text,
            "Linux 6.4 checks this only with DMAPOOL_DEBUG; without it the block would be on the free stack twice and"
                + " handed out twice");
    }

    /** DMAPOOL_DEBUG free: poison, then the {@code struct dma_block} push writes next_block and dma. */
    private void poisonFreed(long vaddr, long dma) {
        byte[] image = Poison.withLink(layout.size, lock.head == NONE ? 0 : blockVaddr[lock.head], 8);
        Poison.putLink(image, 8, dma, 8, image.length);
        host.dma().kernelVm().cpuWrite(vaddr, image);
    }

    /** {@code pool_find_page}, as a chunk number or -1. */
    private int findChunk(long dma) {
        // frees tend to follow each other through a chunk: try the last one first
        int c = lock.lastFound;
        if (c < nrPages && contains(chunks[c], dma)) {
            return c;
        }
        c = table.find(dma);
        if (c < 0 || !contains(chunks[c], dma)) {
            for (c = nrPages - 1; c >= 0 && !contains(chunks[c], dma); c--) {
                // the walk pool_find_page does, for chunks sharing a 4 KiB frame
            }
        }
        if (c >= 0) {
            lock.lastFound = c;
        }
        return c;
    }

    private boolean contains(Chunk chunk, long dma) {
        return chunk.holds(dma, layout.allocation);
    }

    @Override
    public void destroy() {
        lock.lock();
        try {
            if (dead) {
                throw Misuse.destroyTwice(host, dev, name);
            }
            dead = true;
            boolean leak = lock.active > 0;
            if (leak) {
                // 6.4: one line, and every chunk is leaked, idle or not
                host.log().err(KernelFmt.devPrefix(dev) + "dma_pool_destroy " + name + " busy");
            }
            for (int c = nrPages - 1; c >= 0 && !leak; c--) {
                host.dma().free(dev, layout.allocation, chunks[c].vaddr, chunks[c].dma, 0);
            }
            chunks = new Chunk[0];
            lock.head = NONE;
            nrPages = 0;
            nrBlocks = 0;
            lock.active = 0;
        } finally {
            lock.unlock();
        }
    }

    private void live(String func) {
        if (dead) {
            throw Misuse.useAfterDestroy(host, dev, func, name);
        }
    }

    @Override
    public boolean destroyed() {
        lock.lock();
        try {
            return dead;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long blocksInUse() {
        lock.lock();
        try {
            return lock.active;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long pages() {
        lock.lock();
        try {
            return nrPages;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long totalBlocks() {
        lock.lock();
        try {
            return nrBlocks;
        } finally {
            lock.unlock();
        }
    }

    /** 6.4 {@code "%-16s %4zu %4zu %4u %2zu\n"}: name, nr_active, nr_blocks, size, nr_pages. */
    @Override
    public String poolsLine() {
        lock.lock();
        try {
            return String.format("%-16s %4d %4d %4d %2d", name, lock.active, nrBlocks, layout.size, nrPages);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DmaDevice device() {
        return dev;
    }

    @Override
    public long size() {
        return layout.size;
    }

    @Override
    public long allocation() {
        return layout.allocation;
    }

    @Override
    public long boundary() {
        return layout.boundary;
    }

    @Override
    public String toString() {
        return "dma_pool " + name + " (" + VERSION + ", size " + layout.size + ")";
    }
}
