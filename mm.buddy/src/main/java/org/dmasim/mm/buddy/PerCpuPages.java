package org.dmasim.mm.buddy;

import org.dmasim.api.platform.SpinLock;

/** The hot fields of one {@code struct per_cpu_pages}. */
abstract class PcpFields extends SpinLock {
    /** {@code pcp->count}: pages (not blocks) on all lists. */
    int count;
    /** {@code pcp->high} and {@code pcp->batch}, set by {@code zone_pcp_update()}. */
    int high;
    int batch;
    /** {@code pcp->free_factor}: grows on consecutive bulk frees, halves on every allocation. */
    int freeFactor;
    /** This CPU's share of the zone's numa_hit / numa_local events (per-cpu zonestats). */
    long numaHit;
}

/**
 * {@code struct per_cpu_pages} of one zone on one simulated CPU (Linux 6.1): a cache of blocks
 * taken from the buddy lists in batches, so that most order-0..3 (and THP-order) allocations
 * and frees touch only this CPU's lists.
 *
 * <h2>Lists</h2>
 * {@code NR_PCP_LISTS} = 3 migratetypes x orders 0..3 ({@code pindex = order * 3 + mt}) plus
 * one list for pageblock-order (THP) blocks of any type. Each list is a ring-buffer deque of
 * entries {@code pfn << 3 | pcppage_migratetype}: frees push at the head ({@code list_add}),
 * allocations pop the head, {@code rmqueue_bulk} appends at the tail, and
 * {@code free_pcppages_bulk} drains from the tail ({@code list_last_entry}), exactly the list
 * ends the kernel uses. The pcppage migratetype is the type the kernel keeps in
 * {@code page->index}: the buddy list a block came from, or its pageblock's type when freed;
 * it decides NR_FREE_CMA_PAGES accounting when the block goes back to the buddy.
 *
 * <h2>Locking</h2>
 * The {@link SpinLock} this class extends plays {@code pcp->lock} and is only try-locked on the
 * alloc and free paths, as 6.1's {@code pcp_spin_trylock} is: a thread that finds it held
 * (another thread on the same simulated CPU) goes to the buddy lists under the zone lock
 * instead. Only {@code drain_pages_zone()} waits for it ({@link #lock}), and it is never called
 * with the zone lock held, so the order pcp lock -&gt; zone lock cannot deadlock. A thread alone on its CPU pays one
 * uncontended compare-and-set per call. The lock word and the hot fields sit between the lock's
 * 128 bytes of padding and this class's, so two CPUs' pagesets never share a cache line.
 */
final class PerCpuPages extends PcpFields {
    @SuppressWarnings("unused")
    private long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

    /** PAGE_ALLOC_COSTLY_ORDER. */
    static final int COSTLY_ORDER = 3;
    static final int NR_LOWORDER_PCP_LISTS = BuddyAllocator.MIGRATE_PCPTYPES * (COSTLY_ORDER + 1);
    /** One more list for pageblock-order blocks (CONFIG_TRANSPARENT_HUGEPAGE, set in Debian's 6.1). */
    static final int NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + 1;
    private static final int INITIAL_CAPACITY = 16;
    /** Padding (in ints) around the list indices, so they share no cache line with a neighbour. */
    private static final int PAD = 16;

    final int cpu;
    /** Ring buffers, one per pindex; their length is a power of two. */
    private final long[][] ring = new long[NR_PCP_LISTS][];
    /** [PAD + pindex] = head slot, [PAD + NR_PCP_LISTS + pindex] = entries. */
    private final int[] idx = new int[PAD + 2 * NR_PCP_LISTS + PAD];

    PerCpuPages(int cpu) {
        this.cpu = cpu;
        // The boot pageset: high 0, batch 1 (every free goes straight back to the buddy).
        this.high = 0;
        this.batch = 1;
        for (int i = 0; i < NR_PCP_LISTS; i++) {
            ring[i] = new long[INITIAL_CAPACITY];
        }
    }

    /** {@code pcp_allowed_order()}. */
    static boolean allowedOrder(int order) {
        return order <= COSTLY_ORDER || order == BuddyAllocator.PAGEBLOCK_ORDER;
    }

    /** {@code order_to_pindex()}. */
    static int pindex(int mt, int order) {
        return order > COSTLY_ORDER ? NR_LOWORDER_PCP_LISTS : order * BuddyAllocator.MIGRATE_PCPTYPES + mt;
    }

    /** {@code pindex_to_order()}. */
    static int orderOf(int pindex) {
        return pindex == NR_LOWORDER_PCP_LISTS ? BuddyAllocator.PAGEBLOCK_ORDER
            : pindex / BuddyAllocator.MIGRATE_PCPTYPES;
    }

    static long entry(long pfn, int pcppageMt) {
        return pfn << 3 | pcppageMt;
    }

    static long entryPfn(long e) {
        return e >>> 3;
    }

    static int entryMt(long e) {
        return (int) (e & 7);
    }

    int size(int pindex) {
        return idx[PAD + NR_PCP_LISTS + pindex];
    }

    /** {@code list_add}: at the head. */
    void addFirst(int pindex, long e) {
        long[] r = ring[pindex];
        int n = idx[PAD + NR_PCP_LISTS + pindex];
        if (n == r.length) {
            r = grow(pindex);
        }
        int h = (idx[PAD + pindex] - 1) & (r.length - 1);
        r[h] = e;
        idx[PAD + pindex] = h;
        idx[PAD + NR_PCP_LISTS + pindex] = n + 1;
    }

    /** {@code list_add_tail}. */
    void addLast(int pindex, long e) {
        long[] r = ring[pindex];
        int n = idx[PAD + NR_PCP_LISTS + pindex];
        if (n == r.length) {
            r = grow(pindex);
        }
        r[(idx[PAD + pindex] + n) & (r.length - 1)] = e;
        idx[PAD + NR_PCP_LISTS + pindex] = n + 1;
    }

    /** {@code list_first_entry} + {@code list_del}; the list must not be empty. */
    long pollFirst(int pindex) {
        long[] r = ring[pindex];
        int h = idx[PAD + pindex];
        long e = r[h];
        idx[PAD + pindex] = (h + 1) & (r.length - 1);
        idx[PAD + NR_PCP_LISTS + pindex]--;
        return e;
    }

    /** {@code list_last_entry} + {@code list_del}; the list must not be empty. */
    long pollLast(int pindex) {
        long[] r = ring[pindex];
        int n = idx[PAD + NR_PCP_LISTS + pindex] - 1;
        idx[PAD + NR_PCP_LISTS + pindex] = n;
        return r[(idx[PAD + pindex] + n) & (r.length - 1)];
    }

    /** The i-th entry from the head (for the audit and the dump). */
    long peek(int pindex, int i) {
        long[] r = ring[pindex];
        return r[(idx[PAD + pindex] + i) & (r.length - 1)];
    }

    private long[] grow(int pindex) {
        long[] old = ring[pindex];
        int n = idx[PAD + NR_PCP_LISTS + pindex];
        long[] r = new long[old.length * 2];
        for (int i = 0; i < n; i++) {
            r[i] = old[(idx[PAD + pindex] + i) & (old.length - 1)];
        }
        ring[pindex] = r;
        idx[PAD + pindex] = 0;
        return r;
    }

    /** Bytes these lists hold now (ring payloads and indices). */
    long metadataBytes() {
        long b = (long) idx.length * 4;
        for (long[] r : ring) {
            b += (long) r.length * 8;
        }
        return b;
    }
}
