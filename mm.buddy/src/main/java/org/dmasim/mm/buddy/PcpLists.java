package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.MIGRATE_PCPTYPES;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_ISOLATE;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_MOVABLE;

import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.SimCpu;

/**
 * The per-cpu page list algorithms of Linux 6.1 {@code mm/page_alloc.c} over
 * {@link PerCpuPages}: {@code rmqueue_pcplist} with {@code rmqueue_bulk} refills,
 * {@code free_unref_page} with {@code free_pcppages_bulk} drains past {@code high},
 * {@code drain_all_pages}, and the sizing of {@code high} and {@code batch}.
 *
 * <h2>Rules (6.1)</h2>
 * <ul>
 * <li>The CPU is {@link SimCpu#current()} modulo the platform's CPU count.</li>
 * <li>Allocation: try-lock the pageset (on failure use the buddy lists), halve
 *     {@code free_factor}, pop the head of list {@code order_to_pindex(mt, order)}; an empty list
 *     is first refilled with {@code batch} blocks ({@code max(batch >> order, 2)} when batch &gt; 1)
 *     under the zone lock.</li>
 * <li>Free: the pageblock's type becomes the pcppage type; an isolated pageblock frees straight
 *     to the buddy; CMA and HighAtomic blocks use the movable list. Push at the head; when
 *     {@code count >= high} (0 when a high-order block is freed while {@code free_factor} is
 *     up), drain {@code nr_pcp_free()} pages round-robin over the lists from their tails,
 *     starting with the list just freed to.</li>
 * <li>{@code batch} = {@code zone_batchsize()}, {@code high} = low watermark / CPUs, at least
 *     4 x batch ({@code zone_highsize} with percpu_pagelist_high_fraction 0); both are set when
 *     the watermarks are set up. Until then every pageset is the boot pageset: high 0, batch 1,
 *     which passes every block straight through.</li>
 * </ul>
 * Pages on pcp lists are not in NR_FREE_PAGES (so not in "pages free", buddyinfo or the
 * watermark checks); zoneinfo shows them per CPU as {@code count}.
 *
 * <p>One deliberate difference: when the try-lock fails on free, 6.1 hands the block to the
 * buddy with the pcp list's type (MOVABLE for a CMA or HighAtomic pageblock), a bug fixed in
 * 6.5 that mis-files CMA pages. Here the block keeps its pageblock's type, so the CMA
 * accounting stays right when two threads share a simulated CPU.
 */
final class PcpLists {
    private static final long NO_PAGE = PageAllocator.NO_PAGE;

    private final Node node;
    private final Zone[] zones;
    private final Object lock;
    private final Rmqueue rmqueue;
    private final int nrCpus;

    PcpLists(Node node, Object lock, Rmqueue rmqueue) {
        this.node = node;
        this.zones = node.zones;
        this.lock = lock;
        this.rmqueue = rmqueue;
        this.nrCpus = node.options.nrCpus();
    }

    /** {@code smp_processor_id()}: the simulated CPU of the calling thread, modulo the CPU count. */
    int cpu() {
        int c = SimCpu.current();
        return c < nrCpus ? c : c % nrCpus;
    }

    /**
     * {@code rmqueue_pcplist()} + {@code __rmqueue_pcplist()}: a block from this CPU's list, the
     * list refilled first if empty. NO_PAGE when the pageset is busy or the buddy had nothing.
     */
    long rmqueuePcplist(Zone z, int order, int mt, int flags, int aflags) {
        PerCpuPages p = z.pcp[cpu()];
        if (!p.tryLock()) {
            return NO_PAGE;
        }
        try {
            p.freeFactor >>= 1;
            int pindex = PerCpuPages.pindex(mt, order);
            if (p.size(pindex) == 0) {
                int batch = p.batch;
                if (batch > 1) {
                    batch = Math.max(batch >> order, 2);
                }
                int alloced;
                synchronized (lock) {
                    alloced = rmqueue.rmqueueBulk(z, order, batch, mt, flags, p, pindex);
                    node.sparse.flushDematerialise();
                }
                p.count += alloced << order;
                if (alloced == 0) {
                    return NO_PAGE;
                }
            }
            long pfn = PerCpuPages.entryPfn(p.pollFirst(pindex));
            p.count -= 1 << order;
            node.mem(pfn).state[node.off(pfn)] = PageState.alloc(order, aflags);
            p.numaHit++;
            return pfn;
        } finally {
            p.unlock();
        }
    }

    /**
     * {@code free_unref_page()} for an allocated block of a pcp order whose head state is at
     * {@code m.state[off]} (checked by the caller).
     */
    void freeUnrefPage(Zone z, long pfn, int order, MemSection m, int off) {
        int pcppageMt = m.pageblockMt[off >>> BuddyAllocator.PAGEBLOCK_ORDER];
        int listMt = pcppageMt;
        if (pcppageMt >= MIGRATE_PCPTYPES) {
            if (pcppageMt == MT_ISOLATE) {
                freeOnePage(z, pfn, order, MT_ISOLATE);
                return;
            }
            listMt = MT_MOVABLE;
        }
        PerCpuPages p = z.pcp[cpu()];
        if (!p.tryLock()) {
            freeOnePage(z, pfn, order, pcppageMt);
            return;
        }
        try {
            int pindex = PerCpuPages.pindex(listMt, order);
            m.state[off] = PageState.pcp(order);
            p.addFirst(pindex, PerCpuPages.entry(pfn, pcppageMt));
            p.count += 1 << order;
            // free_unref_page_commit(): heavy high-order freeing without allocations drains all.
            boolean freeHigh = p.freeFactor != 0 && order != 0 && order <= PerCpuPages.COSTLY_ORDER;
            int high = freeHigh ? 0 : p.high;
            if (p.count >= high) {
                int n = nrPcpFree(p, high, p.batch, freeHigh);
                synchronized (lock) {
                    freePcppagesBulk(z, n, p, pindex);
                    node.sparse.flushDematerialise();
                }
            }
        } finally {
            p.unlock();
        }
    }

    /** {@code free_one_page()}: straight to the buddy lists under the zone lock. */
    private void freeOnePage(Zone z, long pfn, int order, int mt) {
        synchronized (lock) {
            if (z.nrIsolatePageblock > 0 || mt == MT_ISOLATE) {
                mt = node.pageblockMt(pfn);
            }
            node.freeOneBlock(z, pfn, order, mt, false);
            node.sparse.flushDematerialise();
        }
    }

    /** {@code nr_pcp_free()}: how many pages one drain frees. */
    static int nrPcpFree(PerCpuPages p, int high, int batch, boolean freeHigh) {
        if (freeHigh) {
            return p.count;
        }
        if (high < batch) {
            return 1;
        }
        int minNrFree = batch;
        int maxNrFree = high - batch;
        batch <<= p.freeFactor;
        if (batch < maxNrFree) {
            p.freeFactor++;
        }
        return Math.max(minNrFree, Math.min(batch, maxNrFree));
    }

    /**
     * {@code free_pcppages_bulk()}: {@code count} pages back to the buddy, round-robin over the
     * lists from the one after {@code pindex - 1}, each list from its tail. Pageset lock and
     * zone lock held.
     */
    void freePcppagesBulk(Zone z, int count, PerCpuPages p, int pindex) {
        int minPindex = 0;
        int maxPindex = PerCpuPages.NR_PCP_LISTS - 1;
        count = Math.min(p.count, count);
        pindex = pindex - 1;
        boolean isolated = z.nrIsolatePageblock > 0;
        while (count > 0) {
            while (true) {
                if (++pindex > maxPindex) {
                    pindex = minPindex;
                }
                if (p.size(pindex) != 0) {
                    break;
                }
                if (pindex == maxPindex) {
                    maxPindex--;
                }
                if (pindex == minPindex) {
                    minPindex++;
                }
            }
            int order = PerCpuPages.orderOf(pindex);
            int nrPages = 1 << order;
            do {
                long e = p.pollLast(pindex);
                count -= nrPages;
                p.count -= nrPages;
                long pfn = PerCpuPages.entryPfn(e);
                int mt = PerCpuPages.entryMt(e);
                if (isolated) {
                    // The pageblock may have been isolated while the block sat here.
                    mt = node.pageblockMt(pfn);
                }
                node.freeOneBlock(z, pfn, order, mt, false);
            } while (count > 0 && p.size(pindex) != 0);
        }
    }

    /**
     * {@code drain_all_pages(zone)} (all zones for null): every CPU's pageset emptied into the
     * buddy lists. Must not be called with the zone lock held (pcp lock comes first).
     */
    void drainAllPages(Zone only) {
        if (Thread.holdsLock(lock)) {
            throw new IllegalStateException("drain_all_pages: called with the zone lock held");
        }
        for (Zone z : zones) {
            if (only != null && z != only) {
                continue;
            }
            for (PerCpuPages p : z.pcp) {
                drainPagesZone(z, p);
            }
        }
    }

    /** {@code drain_pages_zone()}. */
    private void drainPagesZone(Zone z, PerCpuPages p) {
        if (p.count == 0) {
            return;
        }
        p.lock();
        try {
            synchronized (lock) {
                freePcppagesBulk(z, p.count, p, 0);
                node.sparse.flushDematerialise();
            }
        } finally {
            p.unlock();
        }
    }

    /** {@code zone_pcp_update()}: every CPU's high and batch from the zone's current sizes. */
    void zonePcpUpdate(Zone z) {
        int batch = Watermarks.pcpBatch(z);
        int high = Watermarks.pcpHigh(z, nrCpus);
        for (PerCpuPages p : z.pcp) {
            p.batch = batch;
            p.high = high;
        }
    }
}
