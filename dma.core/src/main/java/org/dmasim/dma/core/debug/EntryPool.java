package org.dmasim.dma.core.debug;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;

/**
 * The free list of {@code struct dma_debug_entry}s ({@code free_entries}) as the kernel keeps it:
 * whole zeroed pages from the page allocator, {@value #DYNAMIC_ENTRIES} entries each, taken at
 * boot for {@code nr_prealloc_entries} ({@code PREALLOC_DMA_DEBUG_ENTRIES} = 65536 unless
 * {@code dma_debug_entries=} says otherwise: 2048 pages, 8 MiB) and one more page at a time
 * (GFP_ATOMIC) whenever a map finds the list empty. Pages are never given back.
 *
 * <p>{@value #DYNAMIC_ENTRIES} is {@code PAGE_SIZE / sizeof(struct dma_debug_entry)} on Debian's
 * 6.1 builds: the entry's 76 bytes of fields, plus {@code stack_len} and five saved return
 * addresses with CONFIG_STACKTRACE (120 bytes), padded to a 64-byte cacheline
 * ({@code ____cacheline_aligned_in_smp}): 128 bytes.
 *
 * <p>Only counts are simulated (dmasim's entries are Java objects): the pages are really taken
 * from the page allocator, so the memory they cost shows where the kernel's would. Not thread
 * safe: {@link DmaDebug} holds its lock.
 */
final class EntryPool {
    static final int PREALLOC_DMA_DEBUG_ENTRIES = 1 << 16;
    static final int DYNAMIC_ENTRIES = (int) (Page.PAGE_SIZE / 128);

    private final PageAllocator buddy;
    /** This kernel's {@code GFP_ATOMIC} (6.1 has __GFP_ATOMIC in it, 6.12 not). */
    private final int gfpAtomic;
    /** The pages taken, in order (kept to account for them; the kernel never frees them). */
    private final List<Long> pages = new ArrayList<>();
    /** {@code nr_prealloc_entries}: a u32. */
    private int nrPrealloc = PREALLOC_DMA_DEBUG_ENTRIES;
    private int numFree;
    private int minFree;
    private int nrTotal;

    EntryPool(PageAllocator buddy, int gfpAtomic) {
        this.buddy = buddy;
        this.gfpAtomic = gfpAtomic;
    }

    void setPrealloc(int entries) {
        nrPrealloc = entries;
    }

    int prealloc() {
        return nrPrealloc;
    }

    /** {@code dma_debug_create_entries}: one more zeroed page of entries; false when the allocator has none. */
    private boolean createEntries(int gfp) {
        long pfn = buddy.allocPages(gfp | Gfp.__GFP_ZERO, 0);
        if (pfn < 0) {
            return false;
        }
        pages.add(pfn);
        numFree += DYNAMIC_ENTRIES;
        nrTotal += DYNAMIC_ENTRIES;
        return true;
    }

    /**
     * {@code dma_debug_init}'s preallocation: {@code DIV_ROUND_UP(nr_prealloc_entries, 32)}
     * pages, GFP_KERNEL. The kernel tries every page even after one failed; nothing is freed in
     * between here, so the first failure ends the loop with the same result.
     */
    void preallocate() {
        long nrPages = (Integer.toUnsignedLong(nrPrealloc) + DYNAMIC_ENTRIES - 1) / DYNAMIC_ENTRIES;
        for (long i = 0; i < nrPages; i++) {
            if (!createEntries(Gfp.GFP_KERNEL)) {
                break;
            }
        }
        minFree = numFree;
    }

    /**
     * {@code dma_entry_alloc}'s accounting: takes one entry, growing the pool by a GFP_ATOMIC page
     * when it is empty.
     *
     * @param grown receives {@code __dma_entry_alloc_check_leak}'s line after a growth that
     *     ticked over a multiple of the initial pool
     * @return false when the pool was empty and the page allocator had no page
     */
    boolean take(java.util.function.Consumer<String> grown) {
        if (numFree == 0) {
            if (!createEntries(gfpAtomic)) {
                return false;
            }
            long total = Integer.toUnsignedLong(nrTotal);
            long prealloc = Integer.toUnsignedLong(nrPrealloc);
            if (total % prealloc < DYNAMIC_ENTRIES) {
                grown.accept("dma_debug_entry pool grown to " + total + " (" + total / prealloc + "00%)");
            }
        }
        numFree--;
        if (Integer.compareUnsigned(numFree, minFree) < 0) {
            minFree = numFree;
        }
        return true;
    }

    /** {@code dma_entry_free}'s accounting. */
    void give() {
        numFree++;
    }

    /** Whether the next {@link #take} has to grow the pool. */
    boolean empty() {
        return numFree == 0;
    }

    long numFree() {
        return Integer.toUnsignedLong(numFree);
    }

    long minFree() {
        return Integer.toUnsignedLong(minFree);
    }

    long nrTotal() {
        return Integer.toUnsignedLong(nrTotal);
    }

    int pages() {
        return pages.size();
    }
}
