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
 * A Linux 6.1 dma_pool: a list of backing chunks ("pages"), each with its own chain of free
 * blocks.
 *
 * <pre>
 *  pool.page_list (newest first)        one page (allocation bytes, 64-byte blocks)
 *  +-------+   +-------+   +-------+    +----+----+----+-- ... --+----+------+
 *  | page3 |-->| page2 |-->| page1 |    | b0 | b1 | b2 |         |b62 | skip |
 *  +-------+   +-------+   +-------+    +----+----+----+-- ... --+----+------+
 *   offset = head of the free chain      each free block's first 4 bytes: the offset of the
 *   in_use = blocks handed out           next free block; offset >= allocation ends the chain
 * </pre>
 *
 * <ol>
 * <li>alloc: take the newest page whose chain is not empty; if none, drop the lock, allocate
 *     a chunk with {@code dma_alloc_coherent(dev, allocation, gfp & ~__GFP_ZERO)}, put it at
 *     the list head and take from it. Taking pops the chain head (LIFO within a page; a fresh
 *     chain pops in ascending order), in_use++.</li>
 * <li>free: find the page whose dma range holds the handle (else "bad dma"), push the block
 *     on that page's chain, in_use--. Pages are never given back before destroy.</li>
 * <li>destroy: pages with in_use &gt; 0 are reported busy and leaked, the others freed.</li>
 * </ol>
 *
 * <p>Data layout here: pages in an array in creation order (list order is the reverse); the
 * chain as block numbers in an int array per page (the kernel's offsets are
 * {@link BlockLayout#offsets} of those numbers); a bitmap of pages whose chain is not empty,
 * so "newest page with a free block" is a leading-zero count, not a list walk; a handed-out
 * block's link is {@code BUSY}, so every double free is caught, not only with DMAPOOL_DEBUG.
 * With DMAPOOL_DEBUG the chain link words and poison are also written into simulated memory,
 * byte for byte as the kernel writes them; without it block memory is left alone.
 */
final class PoolV6_1 implements DmaPoolEngine {
    static final String VERSION = "6.1";
    /** The chain link of a block that is handed out: it is on no chain. */
    private static final int BUSY = -1;
    /** The chain link in a free block is an unsigned int offset. */
    private static final int LINK_BYTES = 4;

    private final DmaPoolHost host;
    private final DmaDevice dev;
    private final String name;
    private final BlockLayout layout;
    private final boolean debug;
    /** Chain terminator as a block number (the kernel's "offset >= allocation"). */
    private final int end;
    private final PoolLock lock = new PoolLock();
    private final ChunkTable table = new ChunkTable();
    private Page[] pages = new Page[4];
    private int nrPages;
    private long[] withFree = new long[1];
    private boolean dead;

    /** {@code struct dma_page} of 6.1. */
    static final class Page extends Chunk {
        final int index;
        int head;
        int inUse;
        /** Chain link per block; {@link #BUSY} while the block is handed out. */
        final int[] next;

        Page(CoherentBuffer buffer, int index, int blocks) {
            super(buffer);
            this.index = index;
            this.next = new int[blocks];
            for (int i = 0; i < blocks; i++) {
                next[i] = i + 1;
            }
        }
    }

    PoolV6_1(DmaPoolHost host, DmaDevice dev, String name, BlockLayout layout) {
        this.host = host;
        this.dev = dev;
        this.name = name;
        this.layout = layout;
        this.debug = host.debug();
        this.end = layout.blocks();
    }

    @Override
    public long alloc(int gfp, long[] handle, int slot) {
        Objects.checkIndex(slot, handle.length);
        long vaddr;
        lock.lock();
        try {
            live("dma_pool_alloc");
            int p = newestWithFree();
            vaddr = p < 0 ? 0 : take(pages[p], gfp, handle, slot);
        } finally {
            lock.unlock();
        }
        if (vaddr == 0 && (vaddr = grow(gfp, handle, slot)) == 0) {
            return 0;
        }
        if ((gfp & Gfp.__GFP_ZERO) != 0) {
            host.dma().kernelVm().cpuFill(vaddr, layout.size, (byte) 0);
        }
        return vaddr;
    }

    /**
     * No page has a free block: kept out of {@link #alloc} so the hot path stays small enough
     * to inline. {@code pool_alloc_page()} may sleep, so the kernel drops the pool lock around
     * it, then takes from the new page.
     */
    private long grow(int gfp, long[] handle, int slot) {
        CoherentBuffer fresh = allocPage(gfp & ~Gfp.__GFP_ZERO);
        if (fresh == null) {
            return 0;
        }
        lock.lock();
        try {
            if (dead) {
                host.dma().free(dev, layout.allocation, fresh.cpuAddr(), fresh.dmaHandle(), 0);
                live("dma_pool_alloc");
            }
            return take(addPage(fresh), gfp, handle, slot);
        } finally {
            lock.unlock();
        }
    }

    /** Pops the page's chain head; the lock is held. */
    private long take(Page page, int gfp, long[] handle, int slot) {
        int idx = page.head;
        page.head = page.next[idx];
        page.next[idx] = BUSY;
        page.inUse++;
        if (page.head == end) {
            withFree[page.index >>> 6] &= ~(1L << page.index);
        }
        int off = layout.offsets[idx];
        long vaddr = page.vaddr + off;
        handle[slot] = page.dma + off;
        if (debug) {
            Poison.check(host, dev, "dma_pool_alloc", name, vaddr, LINK_BYTES, inChunk(off));
            if ((gfp & Gfp.__GFP_ZERO) == 0) {
                Poison.fill(host, vaddr, inChunk(off), Poison.ALLOCATED);
            }
        }
        return vaddr;
    }

    private int newestWithFree() {
        for (int w = withFree.length - 1; w >= 0; w--) {
            long bits = withFree[w];
            if (bits != 0) {
                return (w << 6) + 63 - Long.numberOfLeadingZeros(bits);
            }
        }
        return -1;
    }

    /** {@code pool_alloc_page}: a chunk, poisoned and chained when debugging. No lock held. */
    private CoherentBuffer allocPage(int gfp) {
        Optional<CoherentBuffer> buf = host.dma().alloc(dev, layout.allocation, gfp, 0);
        if (buf.isEmpty()) {
            return null;
        }
        if (debug) {
            byte[] image = new byte[layout.allocation];
            Arrays.fill(image, Poison.FREED);
            for (int i = 0; i < layout.blocks(); i++) {
                int link = i + 1 < layout.blocks() ? layout.offsets[i + 1] : layout.chainEnd;
                Poison.putLink(image, layout.offsets[i], link, LINK_BYTES, image.length);
            }
            host.dma().kernelVm().cpuWrite(buf.get().cpuAddr(), image);
        }
        return buf.get();
    }

    /** {@code list_add}: the new page becomes the newest; the lock is held. */
    private Page addPage(CoherentBuffer fresh) {
        int index = nrPages;
        Page page = new Page(fresh, index, layout.blocks());
        if (index == pages.length) {
            pages = Arrays.copyOf(pages, index * 2);
        }
        if ((index >>> 6) >= withFree.length) {
            withFree = Arrays.copyOf(withFree, withFree.length * 2);
        }
        pages[index] = page;
        nrPages++;
        withFree[index >>> 6] |= 1L << index;
        table.add(index, page.dma, layout.allocation);
        return page;
    }

    @Override
    public void free(long vaddr, long dma) {
        lock.lock();
        try {
            live("dma_pool_free");
            Page page = findPage(dma);
            if (page == null) {
                throw Misuse.printed(host, dev, "dma_pool_free " + name + ", " + KernelFmt.p(vaddr) + "/"
                    + KernelFmt.pad(dma) + " (bad dma)");
            }
            long off = dma - page.dma;
            if (vaddr - page.vaddr != off) {
                throw badVaddr(vaddr, dma);
            }
            int idx = layout.indexOf((int) off);
            if (idx < 0) {
                throw notABlock(vaddr, dma);
            }
            if (page.next[idx] != BUSY) {
                throw alreadyFree(dma);
            }
            if (debug) {
                int link = page.head == end ? layout.chainEnd : layout.offsets[page.head];
                host.dma().kernelVm().cpuWrite(vaddr, Poison.withLink(inChunk((int) off), link, LINK_BYTES));
            }
            page.inUse--;
            page.next[idx] = page.head;
            page.head = idx;
            withFree[page.index >>> 6] |= 1L << page.index;
        } finally {
            lock.unlock();
        }
    }

    private IllegalArgumentException badVaddr(long vaddr, long dma) {
        String text = "dma_pool_free " + name + ", " + KernelFmt.p(vaddr) + " (bad vaddr)/" + KernelFmt.pad(dma);
        return debug ? Misuse.printed(host, dev, text) : Misuse.unnoticed(host, dev, text,
            "Linux 6.1 checks this only with DMAPOOL_DEBUG; without it the chain link would be written through the"
                + " wrong CPU address and a wrong offset chained");
    }

    private IllegalArgumentException notABlock(long vaddr, long dma) {
        return Misuse.unnoticed(host, dev, "dma_pool_free " + name + ", " + KernelFmt.p(vaddr) + "/" + KernelFmt.pad(dma)
            + " (not the start of a block)", "Linux 6.1 does not check this; it would chain an offset that is not a block");
    }

    private IllegalArgumentException alreadyFree(long dma) {
        String text = "dma_pool_free " + name + ", dma " + KernelFmt.pad(dma) + " already free";
        return debug ? Misuse.printed(host, dev, text) : Misuse.unnoticed(host, dev, text,
            "Linux 6.1 checks this only with DMAPOOL_DEBUG; without it the block would be chained twice and handed out"
                + " twice");
    }

    /** {@code pool_find_page}. */
    private Page findPage(long dma) {
        // frees tend to follow each other through a page: try the last one first
        int i = lock.lastFound;
        if (i < nrPages && contains(pages[i], dma)) {
            return pages[i];
        }
        i = table.find(dma);
        if (i < 0 || !contains(pages[i], dma)) {
            for (i = nrPages - 1; i >= 0 && !contains(pages[i], dma); i--) {
                // the list walk of pool_find_page, for pages sharing a 4 KiB frame
            }
        }
        if (i < 0) {
            return null;
        }
        lock.lastFound = i;
        return pages[i];
    }

    private boolean contains(Page page, long dma) {
        return page.holds(dma, layout.allocation);
    }

    /** Bytes of the block at off that lie inside its chunk (all of them unless 6.1 overruns). */
    private int inChunk(int off) {
        return Math.min(layout.size, layout.allocation - off);
    }

    @Override
    public void destroy() {
        lock.lock();
        try {
            if (dead) {
                throw Misuse.destroyTwice(host, dev, name);
            }
            dead = true;
            for (int p = nrPages - 1; p >= 0; p--) {
                Page page = pages[p];
                if (page.inUse > 0) {
                    // leak the still-in-use coherent memory, as the kernel does
                    host.log().err(KernelFmt.devPrefix(dev) + "dma_pool_destroy " + name + ", "
                        + KernelFmt.p(page.vaddr) + " busy");
                    continue;
                }
                if (debug) {
                    Poison.fill(host, page.vaddr, layout.allocation, Poison.FREED);
                }
                host.dma().free(dev, layout.allocation, page.vaddr, page.dma, 0);
            }
            pages = new Page[0];
            withFree = new long[1];
            nrPages = 0;
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
            long sum = 0;
            for (int p = 0; p < nrPages; p++) {
                sum += pages[p].inUse;
            }
            return sum;
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

    /** 6.1 {@code pools_show}: pages x (allocation / size), which over-counts (see BlockLayout). */
    @Override
    public long totalBlocks() {
        return pages() * (layout.allocation / layout.size);
    }

    /** 6.1 {@code "%-16s %4zu %4zu %4u %2u\n"}: name, in use, total, size, pages. */
    @Override
    public String poolsLine() {
        lock.lock();
        try {
            long inUse = 0;
            for (int p = 0; p < nrPages; p++) {
                inUse += pages[p].inUse;
            }
            return String.format("%-16s %4d %4d %4d %2d", name, inUse,
                (long) nrPages * (layout.allocation / layout.size), layout.size, nrPages);
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
