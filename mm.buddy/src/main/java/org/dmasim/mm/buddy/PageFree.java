package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.MAX_BLOCK;
import static org.dmasim.mm.buddy.BuddyAllocator.MAX_ORDER;

/**
 * The freeing half of {@code mm/page_alloc.c} (6.1): {@code __free_pages()},
 * {@code free_the_page()} and {@code free_contig_range()}, with the checks the kernel's
 * {@code free_pages_prepare()} and the page-flag sanity checks make, turned into messages that
 * name what is wrong (a double free, a wrong order, a reserved page, a hole, a tail page).
 *
 * <p>Fast path: an allocated, unowned block whose head state matches the order goes straight to
 * {@code free_the_page()} without the zone lock: pcp orders to this CPU's pcp list
 * ({@link PcpLists#freeUnrefPage}), larger blocks to {@code __free_one_page()} under the zone
 * lock. Everything else (misuse, and owned blocks, whose owner must be forgotten in step with
 * migration) takes the slow path under the zone lock. A rejected free changes nothing.
 */
final class PageFree {
    private final Node node;
    private final Zone[] zones;
    private final SectionTable st;
    /** {@code zone->lock} for every zone. */
    private final Object lock;
    private final PcpLists pcp;
    private final Migration migration;

    PageFree(Node node, Object lock, PcpLists pcp, Migration migration) {
        this.node = node;
        this.zones = node.zones;
        this.st = node.st;
        this.lock = lock;
        this.pcp = pcp;
        this.migration = migration;
    }

    /**
     * {@code __free_pages(page, order)}: pcp orders go to this CPU's pcp list
     * ({@code free_unref_page}), larger blocks to the buddy lists.
     */
    void freePages(long pfn, int order) {
        if (order >= 0 && order < MAX_ORDER && st.inTable(pfn)) {
            int s = st.sectionOf(pfn);
            MemSection m = st.mem[s];
            if (m != null) {
                int off = node.off(pfn);
                byte state = m.state[off];
                if (PageState.isAlloc(state) && PageState.order(state) == order
                    && (PageState.allocFlags(state) & PageState.A_OWNED) == 0) {
                    int zi = st.singleZone[s];
                    freeThePage(zones[zi >= 0 ? zi : node.zoneIndexOfPresent(pfn)], pfn, order, m, off);
                    return;
                }
            }
        }
        freePagesChecked(pfn, order);
    }

    /** The slow free: misuse diagnostics, and owned blocks (serialised with migration). */
    private void freePagesChecked(long pfn, int order) {
        synchronized (lock) {
            String why = whyNotFreeable(pfn, order);
            if (why != null) {
                throw new IllegalArgumentException(String.format("__free_pages(pfn %#x, order %d): %s", pfn, order,
                    why));
            }
            migration.forget(pfn);
            int s = st.sectionOf(pfn);
            freeThePage(zones[node.zoneIndexOfPresent(pfn)], pfn, order, st.mem[s], node.off(pfn));
        }
    }

    /** {@code free_the_page()}. */
    private void freeThePage(Zone z, long pfn, int order, MemSection m, int off) {
        if (PerCpuPages.allowedOrder(order)) {
            pcp.freeUnrefPage(z, pfn, order, m, off);
        } else {
            synchronized (lock) {
                node.freeOneBlock(z, pfn, order, node.pageblockMt(pfn), false);
                node.sparse.flushDematerialise();
            }
        }
    }

    /**
     * {@code free_contig_range(pfn, nr_pages)}: frees pages that {@code alloc_contig_range} (or
     * order-0 allocations) produced, one order-0 {@code __free_page} per page in ascending
     * order, so they pass through this CPU's pcp list like any order-0 free. Every page is
     * checked before the first is freed, so a bad range changes nothing. Zone lock held.
     */
    void freeContigRange(long pfn, long nrPages) {
        if (nrPages <= 0) {
            throw new IllegalArgumentException("free_contig_range(pfn " + Long.toHexString(pfn) + ", "
                + nrPages + "): nr_pages must be positive");
        }
        for (long p = pfn; p < pfn + nrPages; p++) {
            String why = whyNotFreeable(p, 0);
            if (why != null) {
                throw new IllegalArgumentException(String.format(
                    "free_contig_range(pfn %#x, %d): page %#x: %s", pfn, nrPages, p, why));
            }
        }
        for (long p = pfn; p < pfn + nrPages; p++) {
            migration.forget(p);
            int s = st.sectionOf(p);
            freeThePage(zones[node.zoneIndexOfPresent(p)], p, 0, st.mem[s], node.off(p));
        }
        node.sparse.flushDematerialise();
    }


    /** The misuse rules of {@link #freePages}; null when the call is legal. Zone lock held. */
    private String whyNotFreeable(long pfn, int order) {
        if (order < 0 || order >= MAX_ORDER) {
            return "order must be 0.." + (MAX_ORDER - 1) + " (" + node.options.kernel().orderLimit() + ")";
        }
        if (node.zoneIndexSpanning(pfn) < 0) {
            return "the pfn is outside every zone";
        }
        if (!node.isPresent(pfn)) {
            return "the pfn is in a memory hole (no page there)";
        }
        int s = st.sectionOf(pfn);
        byte kind = st.kind[s];
        if (kind == SectionTable.RESERVED) {
            return "the page is reserved: it was never handed to the page allocator";
        }
        if (kind == SectionTable.FREE_RUN) {
            long head = pfn & ~(long) (MAX_BLOCK - 1);
            return String.format("double free: the page is already free, inside the free order-%d block at pfn %#x",
                MAX_ORDER - 1, head);
        }
        MemSection m = st.mem[s];
        byte state = m.state[node.off(pfn)];
        if (PageState.isAlloc(state)) {
            int have = PageState.order(state);
            return have == order ? null
                : String.format("wrong order: the block at this pfn was allocated with order %d", have);
        }
        if (PageState.isFree(state)) {
            return String.format("double free: the pfn heads a free order-%d block", PageState.order(state));
        }
        if (PageState.isPcp(state)) {
            return String.format("double free: the pfn heads an order-%d block on a per-cpu free list",
                PageState.order(state));
        }
        if (state == PageState.RESERVED) {
            return "the page is reserved: it was never handed to the page allocator";
        }
        if (state == PageState.HOLE) {
            return "the pfn is in a memory hole (no page there)";
        }
        for (int o = 1; o < MAX_ORDER; o++) {
            long head = pfn & -(1L << o);
            byte hs = m.state[node.off(head)];
            if (PageState.isHead(hs) && PageState.order(hs) >= o) {
                if (PageState.isFree(hs) || PageState.isPcp(hs)) {
                    return String.format("double free: the page lies inside the free order-%d block at pfn %#x%s",
                        PageState.order(hs), head, PageState.isPcp(hs) ? " (on a per-cpu list)" : "");
                }
                return String.format("not the head of an allocated block: the page lies inside the "
                    + "allocated order-%d block at pfn %#x", PageState.order(hs), head);
            }
        }
        return "the page belongs to no block";
    }
}
