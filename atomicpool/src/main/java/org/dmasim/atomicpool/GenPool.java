package org.dmasim.atomicpool;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A general-purpose special-memory allocator with the semantics of {@code lib/genalloc.c} as
 * {@code kernel/dma/pool.c} configures it: {@code gen_pool_create(PAGE_SHIFT, NUMA_NO_NODE)}
 * plus {@code gen_pool_set_algo(pool, gen_pool_first_fit_order_align, NULL)}.
 *
 * <p><b>Data layout.</b> A pool is a list of chunks. Each chunk is one physically contiguous
 * range, known by its CPU virtual start ({@code start_addr}), its physical start
 * ({@code phys_addr}) and its size, with one bitmap bit per granule of
 * {@code 2^min_alloc_order} bytes (set = allocated) and a byte count {@code avail}.
 * {@code gen_pool_add_virt()} links a new chunk with {@code list_add_rcu(&chunk->next_chunk,
 * &pool->chunks)}, which inserts right after the list head: the <em>newest chunk is first</em>,
 * and every walk ({@code gen_pool_alloc}, {@code gen_pool_free}, {@code gen_pool_virt_to_phys})
 * visits chunks newest to oldest. So after the atomic-pool worker has grown a pool, allocations
 * are served from the new chunk before the boot chunk.
 *
 * <p><b>Allocation.</b> A request of {@code size} bytes needs {@code nbits = ceil(size /
 * granule)} bits. Chunks whose {@code avail} is below {@code size} are skipped (the raw byte
 * size, not the rounded one, is compared). In each other chunk the algorithm
 * {@code gen_pool_first_fit_order_align} looks for the first run of {@code nbits} clear bits
 * whose start bit is a multiple of {@code roundup_pow_of_two(nbits)}
 * ({@code bitmap_find_next_zero_area} with that mask): a 20 KiB request (5 pages) is aligned to
 * 8 pages = 32 KiB from the chunk start. The first chunk that has such a run wins; the result is
 * {@code start_addr + (bit << min_alloc_order)}, and 0 means failure.
 *
 * <p><b>Free.</b> {@code gen_pool_free(addr, size)} finds the chunk holding {@code addr} and
 * clears {@code nbits} bits from {@code (addr - start_addr) >> order}. genalloc keeps no record
 * of block boundaries; it {@code BUG()}s only when the address is in no chunk, the range leaves
 * its chunk, or one of the bits is already clear. dmasim records each block's length at its
 * start bit and rejects, with {@link IllegalArgumentException} and no change, every free that
 * is not exactly one allocated block: where the kernel would BUG() or silently free part of a
 * block, a simulator should say so instead.
 *
 * <p>Thread-safe: every operation holds the pool's monitor (genalloc itself is lock-free with
 * cmpxchg on the bitmap words; a lock gives the same results).
 *
 * <p>Public only so that the JMH benchmarks can drive it; the package is not exported.
 */
public final class GenPool {
    /** One chunk ({@code struct gen_pool_chunk}). */
    static final class Chunk {
        final long startAddr;
        final long physAddr;
        final long size;
        final int nbits;
        /** Granules in use. */
        final BitSet bits;
        /** Length in bits of the block starting at each bit, 0 where no block starts (dmasim's check). */
        final int[] blockBits;
        long avail;

        Chunk(long startAddr, long physAddr, long size, int order) {
            this.startAddr = startAddr;
            this.physAddr = physAddr;
            this.size = size;
            this.nbits = (int) (size >>> order);
            this.bits = new BitSet(nbits);
            this.blockBits = new int[nbits];
            this.avail = size;
        }

        /** {@code addr >= start_addr && addr <= end_addr}, unsigned as kernel addresses are. */
        boolean holds(long addr) {
            return Long.compareUnsigned(addr - startAddr, size) < 0;
        }
    }

    /** A chunk as the views show it. */
    public record ChunkInfo(long virt, long phys, long size, long avail) {
    }

    private final String name;
    private final int minAllocOrder;
    /** Index 0 is the list head's successor: the newest chunk. */
    private final List<Chunk> chunks = new ArrayList<>();

    /**
     * {@code gen_pool_create(min_alloc_order, nid)} followed by
     * {@code gen_pool_set_algo(gen_pool_first_fit_order_align)}.
     *
     * @param name used in error messages only
     */
    public GenPool(String name, int minAllocOrder) {
        if (minAllocOrder < 0 || minAllocOrder > 30) {
            throw new IllegalArgumentException("gen_pool_create(" + name + "): min_alloc_order " + minAllocOrder
                + " is outside 0..30");
        }
        this.name = name;
        this.minAllocOrder = minAllocOrder;
    }

    public String name() {
        return name;
    }

    public int minAllocOrder() {
        return minAllocOrder;
    }

    private long granule() {
        return 1L << minAllocOrder;
    }

    /**
     * {@code gen_pool_add_virt(pool, virt, phys, size, nid)}: a new chunk at the head of the list.
     *
     * @throws IllegalArgumentException for a size that is not a positive multiple of the granule
     *     (genalloc would silently drop the tail), virt 0 (gen_pool_alloc's failure value), a range
     *     that wraps, or one overlapping an existing chunk
     */
    public synchronized void addVirt(long virt, long phys, long size) {
        String what = String.format("gen_pool_add_virt(%s, virt %#x, phys %#x, size %#x)", name, virt, phys, size);
        if (size <= 0 || (size & (granule() - 1)) != 0 || (size >>> minAllocOrder) > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException(what + ": size must be a positive multiple of the "
                + granule() + "-byte granule");
        }
        if (virt == 0) {
            throw new IllegalArgumentException(what + ": virtual address 0 is gen_pool_alloc's failure value");
        }
        if (Long.compareUnsigned(virt + size - 1, virt) < 0) {
            throw new IllegalArgumentException(what + ": the range wraps around the address space");
        }
        for (Chunk c : chunks) {
            if (c.holds(virt) || c.holds(virt + size - 1) || Long.compareUnsigned(c.startAddr - virt, size) < 0) {
                throw new IllegalArgumentException(what + ": overlaps the chunk at " + String.format("%#x", c.startAddr));
            }
        }
        chunks.add(0, new Chunk(virt, phys, size, minAllocOrder));
    }

    /**
     * {@code gen_pool_alloc(pool, size)}: the start address of a block, or 0 when no chunk has
     * room (also for size 0).
     *
     * @throws IllegalArgumentException for a negative size (size_t cannot be negative)
     */
    public synchronized long alloc(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("gen_pool_alloc(" + name + ", " + size + "): negative size");
        }
        if (size == 0) {
            return 0;
        }
        long nbitsLong = (size + granule() - 1) >>> minAllocOrder;
        for (Chunk c : chunks) {
            if (size > c.avail) {
                continue;
            }
            // size <= avail <= chunk size, so nbits fits the chunk's int bitmap.
            int nbits = (int) nbitsLong;
            int start = firstFitOrderAlign(c.bits, c.nbits, 0, nbits);
            if (start >= c.nbits) {
                continue;
            }
            c.bits.set(start, start + nbits);
            c.blockBits[start] = nbits;
            c.avail -= (long) nbits << minAllocOrder;
            return c.startAddr + ((long) start << minAllocOrder);
        }
        return 0;
    }

    /**
     * {@code gen_pool_first_fit_order_align}: {@code bitmap_find_next_zero_area(map, size, start,
     * nr, roundup_pow_of_two(nr) - 1)}. Returns a value {@code >= size} when nothing fits.
     */
    static int firstFitOrderAlign(BitSet map, int size, int start, int nr) {
        int alignMask = Integer.highestOneBit(nr) == nr ? nr - 1 : (Integer.highestOneBit(nr) << 1) - 1;
        long index = start;
        while (true) {
            index = map.nextClearBit((int) index);
            index = (index + alignMask) & ~(long) alignMask;
            long end = index + nr;
            if (end > size) {
                return (int) Math.min(end, Integer.MAX_VALUE);
            }
            int busy = map.nextSetBit((int) index);
            if (busy < 0 || busy >= end) {
                return (int) index;
            }
            index = busy + 1L;
        }
    }

    /**
     * {@code gen_pool_free(pool, addr, size)}, checked: the range must be exactly one block that
     * {@link #alloc} returned (same start, same number of granules).
     *
     * @throws IllegalArgumentException naming the address and the rule otherwise; the pool is
     *     unchanged (genalloc would BUG() for an address outside every chunk, a range past the
     *     chunk end or a granule already free, and would silently free part of a block otherwise)
     */
    public synchronized void free(long addr, long size) {
        if (size <= 0) {
            throw misuse(addr, size, "size must be positive");
        }
        Chunk c = chunkOf(addr);
        if (c == null) {
            throw misuse(addr, size, "address is in no chunk of the pool (genalloc would BUG())");
        }
        long off = addr - c.startAddr;
        if (Long.compareUnsigned(off + size - 1, c.size) >= 0 || off + size - 1 < off) {
            throw misuse(addr, size, String.format("range runs past the chunk end %#x (genalloc would BUG())",
                c.startAddr + c.size - 1));
        }
        long nbits = (size + granule() - 1) >>> minAllocOrder;
        int startBit = (int) (off >>> minAllocOrder);
        if ((off & (granule() - 1)) != 0 || c.blockBits[startBit] == 0) {
            throw misuse(addr, size, "not the start of an allocated block"
                + " (genalloc would BUG() on a free granule or silently free part of a block)");
        }
        if (c.blockBits[startBit] != nbits) {
            throw misuse(addr, size, "the block there is " + ((long) c.blockBits[startBit] << minAllocOrder)
                + " bytes, not " + (nbits << minAllocOrder) + " (genalloc would BUG() or silently free the wrong granules)");
        }
        c.bits.clear(startBit, startBit + (int) nbits);
        c.blockBits[startBit] = 0;
        c.avail += nbits << minAllocOrder;
    }

    /** The message is built only on the error path: free is on every DMA free's hot path. */
    private IllegalArgumentException misuse(long addr, long size, String rule) {
        return new IllegalArgumentException(String.format("gen_pool_free(%s, %#x, %d): ", name, addr, size) + rule);
    }

    private Chunk chunkOf(long addr) {
        for (Chunk c : chunks) {
            if (c.holds(addr)) {
                return c;
            }
        }
        return null;
    }

    /** {@code gen_pool_virt_to_phys}: the physical address of addr, or -1 when no chunk holds it. */
    public synchronized long virtToPhys(long addr) {
        Chunk c = chunkOf(addr);
        return c == null ? -1 : c.physAddr + (addr - c.startAddr);
    }

    /** {@code gen_pool_has_addr(pool, start, size)}: the whole range lies in one chunk. */
    public synchronized boolean hasAddr(long start, long size) {
        long end = start + size - 1;
        for (Chunk c : chunks) {
            if (c.holds(start)) {
                if (Long.compareUnsigned(end - c.startAddr, c.size) < 0 && Long.compareUnsigned(end, start) >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code gen_pool_avail}: free bytes over all chunks. */
    public synchronized long avail() {
        long sum = 0;
        for (Chunk c : chunks) {
            sum += c.avail;
        }
        return sum;
    }

    /** {@code gen_pool_size}: bytes managed over all chunks. */
    public synchronized long size() {
        long sum = 0;
        for (Chunk c : chunks) {
            sum += c.size;
        }
        return sum;
    }

    /** The chunks in list order: newest first. */
    public synchronized List<ChunkInfo> chunks() {
        List<ChunkInfo> out = new ArrayList<>();
        for (Chunk c : chunks) {
            out.add(new ChunkInfo(c.startAddr, c.physAddr, c.size, c.avail));
        }
        return out;
    }
}
