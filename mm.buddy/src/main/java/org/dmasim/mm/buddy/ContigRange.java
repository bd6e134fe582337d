package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.*;

/**
 * {@code alloc_contig_range(start, end, MIGRATE_CMA)} for cma_alloc(), in the kernel's phases:
 * <ol>
 * <li>{@link #begin}: check the range, refuse it (-EBUSY, nothing changed) when it holds an
 *     allocated block that cannot be migrated (not movable, or movable without an owner), then
 *     isolate its pageblocks ({@link PageIsolation#startIsolatePageRange}).</li>
 * <li>Every CPU's pcp lists are drained without the zone lock; drained blocks of the range
 *     land on the Isolate lists.</li>
 * <li>{@link #finish}: migrate every owned movable block out ({@code __alloc_contig_migrate_range},
 *     see {@link Migration}), check that the range is now entirely free
 *     ({@code test_pages_isolated}), take its free blocks as order-0 pages
 *     ({@code isolate_freepages_range}), free the excess of the outer blocks, and undo the
 *     isolation.</li>
 * </ol>
 * Migrations done before a later failure stay done, as in the kernel.
 */
final class ContigRange {
    private final Node node;
    private final Zone[] zones;
    private final Object lock;
    private final PcpLists pcp;
    private final PageIsolation isolation;
    private final Migration migration;

    ContigRange(Node node, Object lock, PcpLists pcp, Migration migration) {
        this.node = node;
        this.zones = node.zones;
        this.lock = lock;
        this.pcp = pcp;
        this.isolation = new PageIsolation(node);
        this.migration = migration;
    }

    /**
     * The whole call: begin under the zone lock, drain every CPU's pcp lists of the zone
     * without it, finish under it. Failures count into the migration statistics.
     *
     * @throws IllegalStateException when the caller holds the zone lock (the drain in the middle
     *     needs the pcp locks first)
     */
    int allocContigRange(long startPfn, long endPfn) {
        if (Thread.holdsLock(lock)) {
            throw new IllegalStateException("alloc_contig_range: must not be called with the zone lock held");
        }
        Zone z;
        synchronized (lock) {
            int ret = begin(startPfn, endPfn);
            node.sparse.flushDematerialise();
            if (ret != 0) {
                migration.failed();
                return ret;
            }
            z = zoneOf(startPfn);
        }
        pcp.drainAllPages(z);
        synchronized (lock) {
            int ret = finish(startPfn, endPfn);
            node.sparse.flushDematerialise();
            if (ret != 0) {
                migration.failed();
            }
            return ret;
        }
    }

    /**
     * Validates, pre-checks and isolates; zone lock held. Returns 0 (isolated; the caller must
     * drain and then call {@link #finish}) or -EBUSY with nothing changed.
     */
    private int begin(long startPfn, long endPfn) {
        if (startPfn >= endPfn || startPfn < 0) {
            throw new IllegalArgumentException(String.format(
                "alloc_contig_range([%#x, %#x)): the range is empty", startPfn, endPfn));
        }
        long isoStart = startPfn & ~(long) (PAGEBLOCK_NR_PAGES - 1);
        long isoEnd = (endPfn + PAGEBLOCK_NR_PAGES - 1) & ~(long) (PAGEBLOCK_NR_PAGES - 1);
        int zi = node.zoneIndexSpanning(isoStart);
        if (zi < 0 || !zones[zi].spans(isoEnd - 1)) {
            throw new IllegalArgumentException(String.format(
                "alloc_contig_range([%#x, %#x)): its pageblocks [%#x, %#x) must lie in one zone",
                startPfn, endPfn, isoStart, isoEnd));
        }
        boolean isolatedAlready = false;
        for (long pb = isoStart; pb < isoEnd; pb += PAGEBLOCK_NR_PAGES) {
            int mt = node.pageblockMt(pb);
            if (mt == MT_ISOLATE) {
                // Another alloc_contig_range holds it: set_migratetype_isolate() fails.
                isolatedAlready = true;
            } else if (mt != MT_CMA) {
                throw new IllegalArgumentException(String.format(
                    "alloc_contig_range([%#x, %#x)): pageblock %#x is %s, not CMA",
                    startPfn, endPfn, pb, mtName(mt)));
            }
        }
        if (isolatedAlready || !rangeMigratable(startPfn, endPfn)) {
            return -EBUSY;
        }
        isolation.startIsolatePageRange(zones[zi], isoStart, isoEnd);
        return 0;
    }

    /** The zone {@link #begin} isolated in. */
    private Zone zoneOf(long startPfn) {
        return zones[node.zoneIndexSpanning(startPfn & ~(long) (PAGEBLOCK_NR_PAGES - 1))];
    }

    /** Migrates, checks, takes the range and undoes the isolation; zone lock held. 0 or -EBUSY. */
    private int finish(long startPfn, long endPfn) {
        long isoStart = startPfn & ~(long) (PAGEBLOCK_NR_PAGES - 1);
        long isoEnd = (endPfn + PAGEBLOCK_NR_PAGES - 1) & ~(long) (PAGEBLOCK_NR_PAGES - 1);
        Zone z = zoneOf(startPfn);
        int ret = migrateRange(z, startPfn, endPfn, isoStart, isoEnd);
        if (ret == 0) {
            isolation.splitAtBoundaries(z, isoStart, isoEnd);
        }
        if (ret == 0 && !isolation.testPagesIsolated(startPfn, endPfn)) {
            ret = -EBUSY; // test_pages_isolated(): something came back meanwhile
        }
        if (ret == 0) {
            takeRange(z, startPfn, endPfn);
        }
        isolation.undoIsolatePageRange(z, isoStart, isoEnd, MT_CMA);
        return ret;
    }

    /** {@code __alloc_contig_migrate_range()}: every owned movable block in the range moves out. */
    private int migrateRange(Zone z, long start, long end, long isoStart, long isoEnd) {
        long pfn = start;
        while (pfn < end) {
            long head = isolation.blockHead(pfn);
            if (head < 0) {
                pfn++;
                continue;
            }
            byte s = node.mem(head).state[node.off(head)];
            int order = PageState.order(s);
            if (PageState.isAlloc(s)) {
                if ((PageState.allocFlags(s) & PageState.A_OWNED) == 0 || migration.ownerOf(head) == null) {
                    return -EBUSY;
                }
                if (!migration.migrateBlock(z, head, order, isoStart, isoEnd)) {
                    return -EBUSY;
                }
            } else if (PageState.isPcp(s)) {
                return -EBUSY; // freed to a pcp list after the drain: the kernel's test fails too
            }
            pfn = head + (1L << order);
        }
        return 0;
    }

    /**
     * Would the range become free by draining and migrating? Free blocks, blocks on pcp lists
     * and owned movable allocations pass; anything else is busy.
     */
    private boolean rangeMigratable(long start, long end) {
        return isolation.everyBlock(start, end, (head, hs) -> !PageState.isAlloc(hs)
            || (PageState.allocFlags(hs) & PageState.A_OWNED) != 0 && migration.ownerOf(head) != null);
    }

    /**
     * Takes [startPfn, endPfn), all free on Isolate lists now, as allocated order-0 pages; the
     * parts of the outer free blocks beyond the range go back.
     */
    private void takeRange(Zone z, long startPfn, long endPfn) {
        // The free block holding startPfn may begin before it (outer_start).
        long outerStart = startPfn;
        for (int o = 0; ; ) {
            if (PageState.isFree(node.mem(outerStart).state[node.off(outerStart)])) {
                break;
            }
            if (++o >= MAX_ORDER) {
                outerStart = startPfn;
                break;
            }
            outerStart &= -(1L << o);
        }
        if (outerStart != startPfn) {
            int o = PageState.order(node.mem(outerStart).state[node.off(outerStart)]);
            if (outerStart + (1L << o) <= startPfn) {
                outerStart = startPfn;
            }
        }
        // isolate_freepages_range(): take whole free blocks, split into order-0 pages.
        long pfn = outerStart;
        while (pfn < endPfn) {
            MemSection m = node.mem(pfn);
            byte s = m.state[node.off(pfn)];
            int o = PageState.order(s);
            node.removeFree(z, pfn, o, PageState.freeMigratetype(s));
            for (int i = 0; i < 1 << o; i++) {
                m.state[node.off(pfn) + i] = PageState.alloc(0, 0);
            }
            pfn += 1L << o;
        }
        long outerEnd = pfn;
        for (long p = outerStart; p < startPfn; p++) {
            node.freeOneBlock(z, p, 0, node.pageblockMt(p), false);
        }
        for (long p = endPfn; p < outerEnd; p++) {
            node.freeOneBlock(z, p, 0, node.pageblockMt(p), false);
        }
    }
}
