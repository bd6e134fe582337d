package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.MAX_BLOCK;
import static org.dmasim.mm.buddy.BuddyAllocator.MAX_ORDER;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_CMA;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_ISOLATE;
import static org.dmasim.mm.buddy.BuddyAllocator.PAGEBLOCK_NR_PAGES;
import static org.dmasim.mm.buddy.BuddyAllocator.PAGEBLOCK_ORDER;
import static org.dmasim.mm.buddy.BuddyAllocator.SECTION_PAGES;

/**
 * Pageblock isolation ({@code mm/page_isolation.c}, 6.1) as {@code alloc_contig_range} uses it
 * on CMA pageblocks: MIGRATE_ISOLATE takes a pageblock's free pages out of NR_FREE_PAGES and
 * keeps the allocator from handing them out, while frees into it land on the Isolate lists.
 *
 * <ul>
 * <li>{@link #startIsolatePageRange}: the first and the last pageblock first, each followed by
 *     the boundary scan of {@code isolate_single_pageblock()} (a free block straddling the range
 *     boundary is split there, {@code split_free_page()}), then the pageblocks between.</li>
 * <li>{@link #testPagesIsolated}: every page of the range is free now.</li>
 * <li>{@link #undoIsolatePageRange}: each pageblock back to its type; a free pageblock whose
 *     free buddy lies outside is re-freed so the two merge, as {@code unset_migratetype_isolate}
 *     does.</li>
 * </ul>
 * Callers hold the zone lock.
 */
final class PageIsolation {
    private final Node node;
    private final SectionTable st;

    PageIsolation(Node node) {
        this.node = node;
        this.st = node.st;
    }

    /**
     * {@code start_isolate_page_range()} over the pageblocks [isoStart, isoEnd) of zone z, which
     * must all be MIGRATE_CMA; their sections materialise first.
     */
    void startIsolatePageRange(Zone z, long isoStart, long isoEnd) {
        for (int s = st.sectionOf(isoStart); s <= st.sectionOf(isoEnd - 1); s++) {
            node.sparse.materialise(s);
        }
        setMigratetypeIsolate(z, isoStart);
        splitStraddling(z, isoStart, false);
        if (isoEnd - PAGEBLOCK_NR_PAGES != isoStart) {
            setMigratetypeIsolate(z, isoEnd - PAGEBLOCK_NR_PAGES);
        }
        splitStraddling(z, isoEnd, true);
        for (long pb = isoStart + PAGEBLOCK_NR_PAGES; pb < isoEnd - PAGEBLOCK_NR_PAGES; pb += PAGEBLOCK_NR_PAGES) {
            setMigratetypeIsolate(z, pb);
        }
    }

    /**
     * A migrated block that straddled an isolation boundary is free now and straddles it still:
     * split it at the boundary, as {@code isolate_single_pageblock()} does after migrating such
     * a block.
     */
    void splitAtBoundaries(Zone z, long isoStart, long isoEnd) {
        splitStraddling(z, isoStart, false);
        splitStraddling(z, isoEnd, true);
    }

    /** {@code undo_isolate_page_range()}: every isolated pageblock of [isoStart, isoEnd) back to {@code mt}. */
    void undoIsolatePageRange(Zone z, long isoStart, long isoEnd, int mt) {
        for (long pb = isoStart; pb < isoEnd; pb += PAGEBLOCK_NR_PAGES) {
            unsetMigratetypeIsolate(z, pb, mt);
        }
    }

    /** The head of the free, pcp or allocated block covering pfn, or -1 (reserved, hole, outside). */
    long blockHead(long pfn) {
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

    /** What a walk over a range's blocks asks of each block: its head pfn and head state. */
    @FunctionalInterface
    interface BlockTest {
        boolean test(long head, byte headState);
    }

    /**
     * Walks the blocks covering [start, end): wholly free sections pass at once, a section
     * that is neither free nor materialised fails, every other block must pass {@code test}.
     */
    boolean everyBlock(long start, long end, BlockTest test) {
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

    /** {@code test_pages_isolated()}: is every page of [start, end) free (on an Isolate list)? */
    boolean testPagesIsolated(long start, long end) {
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
            node.sparse.materialise(st.sectionOf(pfn));
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
