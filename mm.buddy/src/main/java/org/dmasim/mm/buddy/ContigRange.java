package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.*;

/**
 * {@code alloc_contig_range(start, end, MIGRATE_CMA)} for cma_alloc(): pageblock isolation
 * ({@code start_isolate_page_range}, {@code isolate_single_pageblock}, {@code split_free_page}),
 * taking the free blocks out as order-0 pages, freeing the excess, and undoing the isolation.
 */
final class ContigRange {
    private final Node node;
    private final Zone[] zones;
    private final SectionTable st;

    ContigRange(Node node) {
        this.node = node;
        this.zones = node.zones;
        this.st = node.st;
    }

    /**
     * Takes [startPfn, endPfn) out as allocated order-0 pages; see
     * {@link BuddyAllocator#allocContigRange}. Returns 0 or -EBUSY (nothing changed then).
     */
    int alloc(long startPfn, long endPfn) {
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
        for (long pb = isoStart; pb < isoEnd; pb += PAGEBLOCK_NR_PAGES) {
            int mt = node.pageblockMt(pb);
            if (mt != MT_CMA) {
                throw new IllegalArgumentException(String.format(
                    "alloc_contig_range([%#x, %#x)): pageblock %#x is %s, not CMA",
                    startPfn, endPfn, pb, mtName(mt)));
            }
        }
        if (!rangeAllFree(startPfn, endPfn)) {
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
        for (long pb = isoStart; pb < isoEnd; pb += PAGEBLOCK_NR_PAGES) {
            unsetMigratetypeIsolate(z, pb, MT_CMA);
        }
        return 0;
        }

    private boolean rangeAllFree(long start, long end) {
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
            MemSection m = st.mem[s];
            long head = -1;
            for (int o = 0; o < MAX_ORDER; o++) {
                long h = pfn & -(1L << o);
                byte hs = m.state[node.off(h)];
                if (PageState.isHead(hs)) {
                    if (PageState.isFree(hs) && h + (1L << PageState.order(hs)) > pfn) {
                        head = h;
                    }
                    break;
                }
            }
            if (head < 0) {
                return false;
            }
            pfn = head + (1L << PageState.order(m.state[node.off(head)]));
        }
        return true;
    }

    /** {@code set_migratetype_isolate()} for a CMA pageblock (never has unmovable pages). */
    private void setMigratetypeIsolate(Zone z, long pb) {
        int mt = node.pageblockMt(pb);
        if (mt == MT_ISOLATE) {
            return;
        }
        node.setPageblockMt(pb, MT_ISOLATE);
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
            } else if (PageState.isAlloc(s)) {
                pfn += 1L << PageState.order(s);
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
        if (isolatedOrder >= 0) {
            node.freeOneBlock(z, pb, isolatedOrder, mt, false);
        }
    }
}
