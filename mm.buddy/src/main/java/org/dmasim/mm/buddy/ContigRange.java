package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.*;

import org.dmasim.api.mem.PhysMemory;

/**
 * {@code alloc_contig_range(start, end, MIGRATE_CMA)} for cma_alloc(), in the kernel's phases:
 * <ol>
 * <li>{@link #begin}: check the range, refuse it (-EBUSY, nothing changed) when it holds an
 *     allocated block that cannot be migrated (not movable, or movable without an owner), then
 *     isolate its pageblocks ({@code start_isolate_page_range}, splitting free blocks that
 *     straddle the ends as {@code isolate_single_pageblock} does).</li>
 * <li>The caller drains every CPU's pcp lists without the zone lock; drained blocks of the
 *     range land on the Isolate lists.</li>
 * <li>{@link #finish}: migrate every owned movable block out ({@code __alloc_contig_migrate_range}),
 *     check that the range is now entirely free ({@code test_pages_isolated}), take its free
 *     blocks as order-0 pages ({@code isolate_freepages_range}), free the excess of the outer
 *     blocks, and undo the isolation.</li>
 * </ol>
 * A migration: a target block of the same order is allocated outside the range (its pageblocks
 * are isolated, so the allocator cannot pick them) with {@code GFP_USER | __GFP_MOVABLE |
 * __GFP_RETRY_MAYFAIL}, the contents are copied through the attached {@link PhysMemory}, the
 * owner is told, and the old block is freed onto the range's Isolate list. Migrations done
 * before a later failure stay done, as in the kernel.
 */
final class ContigRange {
    private final Node node;
    private final Zone[] zones;
    private final SectionTable st;
    private final BuddyAllocator owner;

    ContigRange(Node node, BuddyAllocator owner) {
        this.node = node;
        this.zones = node.zones;
        this.st = node.st;
        this.owner = owner;
    }

    /**
     * Validates, pre-checks and isolates; zone lock held. Returns 0 (isolated; the caller must
     * drain and then call {@link #finish}) or -EBUSY with nothing changed.
     */
    int begin(long startPfn, long endPfn) {
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
        Zone z = zones[zi];
        for (int s = st.sectionOf(isoStart); s <= st.sectionOf(isoEnd - 1); s++) {
            node.materialise(s);
        }
        // start_isolate_page_range(): first and last pageblock with the boundary splits, then the rest.
        setMigratetypeIsolate(z, isoStart);
        splitStraddling(z, isoStart, false);
        if (isoEnd - PAGEBLOCK_NR_PAGES != isoStart) {
            setMigratetypeIsolate(z, isoEnd - PAGEBLOCK_NR_PAGES);
        }
        splitStraddling(z, isoEnd, true);
        for (long pb = isoStart + PAGEBLOCK_NR_PAGES; pb < isoEnd - PAGEBLOCK_NR_PAGES; pb += PAGEBLOCK_NR_PAGES) {
            setMigratetypeIsolate(z, pb);
        }
        return 0;
    }

    /** The zone {@link #begin} isolated in. */
    Zone zoneOf(long startPfn) {
        return zones[node.zoneIndexSpanning(startPfn & ~(long) (PAGEBLOCK_NR_PAGES - 1))];
    }

    /** Migrates, checks, takes the range and undoes the isolation; zone lock held. 0 or -EBUSY. */
    int finish(long startPfn, long endPfn) {
        long isoStart = startPfn & ~(long) (PAGEBLOCK_NR_PAGES - 1);
        long isoEnd = (endPfn + PAGEBLOCK_NR_PAGES - 1) & ~(long) (PAGEBLOCK_NR_PAGES - 1);
        Zone z = zoneOf(startPfn);
        int ret = migrateRange(z, startPfn, endPfn, isoStart, isoEnd);
        if (ret == 0) {
            // A migrated block that straddled an isolation boundary is free now and straddles
            // it still: split it at the boundary, as isolate_single_pageblock() does after
            // migrating such a block.
            splitStraddling(z, isoStart, false);
            splitStraddling(z, isoEnd, true);
        }
        if (ret == 0 && !rangeAllFree(startPfn, endPfn)) {
            ret = -EBUSY; // test_pages_isolated(): something came back meanwhile
        }
        if (ret == 0) {
            takeRange(z, startPfn, endPfn);
        }
        for (long pb = isoStart; pb < isoEnd; pb += PAGEBLOCK_NR_PAGES) {
            unsetMigratetypeIsolate(z, pb, MT_CMA);
        }
        return ret;
    }

    /** {@code __alloc_contig_migrate_range()}: every owned movable block in the range moves out. */
    private int migrateRange(Zone z, long start, long end, long isoStart, long isoEnd) {
        long pfn = start;
        while (pfn < end) {
            long head = blockHead(pfn);
            if (head < 0) {
                pfn++;
                continue;
            }
            byte s = node.mem(head).state[node.off(head)];
            int order = PageState.order(s);
            if (PageState.isAlloc(s)) {
                if ((PageState.allocFlags(s) & PageState.A_OWNED) == 0 || owner.ownerOf(head) == null) {
                    return -EBUSY;
                }
                if (!owner.migrateBlock(z, head, order, isoStart, isoEnd)) {
                    return -EBUSY;
                }
            } else if (PageState.isPcp(s)) {
                return -EBUSY; // freed to a pcp list after the drain: the kernel's test fails too
            }
            pfn = head + (1L << order);
        }
        return 0;
    }

    /** The head of the free, pcp or allocated block covering pfn, or -1 (reserved, hole, outside). */
    private long blockHead(long pfn) {
        MemSection m = node.mem(pfn);
        if (m == null) {
            return -1;
        }
        for (int o = 0; o < MAX_ORDER; o++) {
            long h = pfn & -(1L << o);
            byte hs = m.state[node.off(h)];
            if (PageState.isHead(hs)) {
                return h + (1L << PageState.order(hs)) > pfn ? h : -1;
            }
            if (hs != PageState.TAIL) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Would the range become free by draining and migrating? Free blocks, blocks on pcp lists
     * and owned movable allocations pass; anything else is busy.
     */
    private boolean rangeMigratable(long start, long end) {
        return everyBlock(start, end, (head, hs) -> !PageState.isAlloc(hs)
            || (PageState.allocFlags(hs) & PageState.A_OWNED) != 0 && owner.ownerOf(head) != null);
    }

    /** What a walk over a range's blocks asks of each block: its head pfn and head state. */
    @FunctionalInterface
    private interface BlockTest {
        boolean test(long head, byte headState);
    }

    /**
     * Walks the blocks covering [start, end): wholly free sections pass at once, a section
     * that is neither free nor materialised fails, every other block must pass {@code test}.
     */
    private boolean everyBlock(long start, long end, BlockTest test) {
        long pfn = start;
        while (pfn < end) {
            int s = st.sectionOf(pfn);
            byte kind = st.kind[s];
            if (kind == SectionTable.FREE_RUN) {
                pfn = st.sectionStartPfn(s) + SECTION_PAGES;
                continue;
            }
            if (kind != SectionTable.MATERIALISED) {
                return false;
            }
            long head = blockHead(pfn);
            if (head < 0) {
                return false;
            }
            byte hs = node.mem(head).state[node.off(head)];
            if (!test.test(head, hs)) {
                return false;
            }
            pfn = head + (1L << PageState.order(hs));
        }
        return true;
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

    private boolean rangeAllFree(long start, long end) {
        return everyBlock(start, end, (head, hs) -> PageState.isFree(hs));
    }

    /** {@code set_migratetype_isolate()} for a CMA pageblock (never has unmovable pages). */
    private void setMigratetypeIsolate(Zone z, long pb) {
        int mt = node.pageblockMt(pb);
        if (mt == MT_ISOLATE) {
            return;
        }
        node.setPageblockMt(pb, MT_ISOLATE);
        z.nrIsolatePageblock++;
        int n = node.moveFreepagesBlock(z, pb, MT_ISOLATE, false);
        z.freePages -= n;
        if (mt == MT_CMA) {
            z.freeCma -= n;
        }
    }

    /** The boundary scan of {@code isolate_single_pageblock()}: split free blocks across it. */
    private void splitStraddling(Zone z, long boundary, boolean isolateBefore) {
        long isoPb = isolateBefore ? boundary - PAGEBLOCK_NR_PAGES : boundary;
        long start = Math.max(isoPb & ~(long) (MAX_BLOCK - 1), z.startPfn);
        long probe = isolateBefore ? boundary : boundary - 1;
        if (!st.inTable(probe) || st.kind[st.sectionOf(probe)] == SectionTable.ABSENT) {
            return;
        }
        long pfn = start;
        while (pfn < boundary) {
            node.materialise(st.sectionOf(pfn));
            byte s = node.mem(pfn).state[node.off(pfn)];
            if (PageState.isFree(s)) {
                int o = PageState.order(s);
                if (pfn + (1L << o) > boundary) {
                    splitFreePage(z, pfn, o, boundary - pfn);
                    continue;
                }
                pfn += 1L << o;
            } else if (PageState.isHead(s)) {
                pfn += 1L << PageState.order(s); // allocated, or on a pcp list
            } else {
                pfn++;
            }
        }
    }

    /** {@code split_free_page()}: re-free a free block as pieces that end at the split point. */
    private void splitFreePage(Zone z, long pfn, int order, long splitOffset) {
        int mt = node.pageblockMt(pfn);
        if (mt != MT_ISOLATE) {
            z.freePages -= 1L << order;
            if (mt == MT_CMA) {
                z.freeCma -= 1L << order;
            }
        }
        node.removeFree(z, pfn, order, PageState.freeMigratetype(node.mem(pfn).state[node.off(pfn)]));
        long p = pfn;
        long end = pfn + (1L << order);
        while (p < end) {
            int fo = Math.min(p != 0 ? Long.numberOfTrailingZeros(p) : order, 63 - Long.numberOfLeadingZeros(splitOffset));
            node.freeOneBlock(z, p, fo, node.pageblockMt(p), false);
            p += 1L << fo;
            splitOffset -= 1L << fo;
            if (splitOffset == 0) {
                splitOffset = end - p;
            }
        }
    }

    /** {@code unset_migratetype_isolate()}. */
    private void unsetMigratetypeIsolate(Zone z, long pb, int mt) {
        if (node.pageblockMt(pb) != MT_ISOLATE) {
            return;
        }
        MemSection m = node.mem(pb);
        byte s = m.state[node.off(pb)];
        int isolatedOrder = -1;
        if (PageState.isFree(s)) {
            int o = PageState.order(s);
            if (o >= PAGEBLOCK_ORDER && o < MAX_ORDER - 1) {
                long buddy = pb ^ (1L << o);
                byte bs = m.state[node.off(buddy)];
                if (PageState.isFree(bs) && PageState.order(bs) == o && node.zoneIndexOfPresent(buddy) == z.index
                    && node.pageblockMt(buddy) != MT_ISOLATE) {
                    // A free pageblock next to a free buddy: isolate and re-free it so they merge.
                    node.removeFree(z, pb, o, PageState.freeMigratetype(s));
                    isolatedOrder = o;
                }
            }
        }
        if (isolatedOrder < 0) {
            int n = node.moveFreepagesBlock(z, pb, mt, false);
            z.freePages += n;
            if (mt == MT_CMA) {
                z.freeCma += n;
            }
        }
        node.setPageblockMt(pb, mt);
        z.nrIsolatePageblock--;
        if (isolatedOrder >= 0) {
            node.freeOneBlock(z, pb, isolatedOrder, mt, false);
        }
    }
}
