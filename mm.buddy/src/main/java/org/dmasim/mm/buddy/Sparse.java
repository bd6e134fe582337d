package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.MAX_BLOCK;
import static org.dmasim.mm.buddy.BuddyAllocator.MAX_ORDER;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_HIGHATOMIC;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_ISOLATE;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_MOVABLE;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_UNMOVABLE;
import static org.dmasim.mm.buddy.BuddyAllocator.PAGEBLOCK_ORDER;
import static org.dmasim.mm.buddy.BuddyAllocator.SECTION_PAGES;

import java.util.Arrays;

/**
 * The sparse memory map, dmasim's stand-in for {@code mm/sparse.c}'s per-section memmap: a
 * section gets its per-page arrays ({@link MemSection}) only when something inside it needs
 * page granularity, and gives them up again when it is whole and free.
 *
 * <p>Materialising a RESERVED section marks present pages reserved and holes as holes, with
 * each pageblock Movable when its first pfn is present (as {@code memmap_init()} leaves them);
 * a FREE_RUN section becomes its 32 order-10 free blocks, spliced into the free list where the
 * run node stood, in the run's address order. Folding back happens at the end of each public
 * call ({@link #flushDematerialise}) for the sections {@code __free_one_page()} noted: a section
 * whose 32 order-10 blocks are free, typed alike (not Isolate or HighAtomic) and adjacent in
 * list order in either direction becomes one run node at the same list position, so no
 * observable list order changes.
 */
final class Sparse {
    private final Node node;
    private final SectionTable st;
    private final FreeLists lists;
    /** Sections that may have become entirely free; checked when the public call ends. */
    private int[] dematCandidates = new int[16];
    private int dematCount;

    Sparse(Node node) {
        this.node = node;
        this.st = node.st;
        this.lists = node.lists;
    }

    /** Give section s its per-page arrays (no-op when it has them). */
    MemSection materialise(int s) {
        MemSection m = st.mem[s];
        if (m != null) {
            return m;
        }
        byte kind = st.kind[s];
        m = new MemSection();
        long secStart = st.sectionStartPfn(s);
        if (kind == SectionTable.RESERVED) {
            Arrays.fill(m.state, PageState.HOLE);
            long secEnd = secStart + SECTION_PAGES;
            for (int i = node.firstPieceEndingAfter(secStart); i < node.memStart.length && node.memStart[i] < secEnd; i++) {
                int a = (int) (Math.max(node.memStart[i], secStart) - secStart);
                int b = (int) (Math.min(node.memEnd[i], secEnd) - secStart);
                Arrays.fill(m.state, a, b, PageState.RESERVED);
            }
            for (int pb = 0; pb < MemSection.PAGEBLOCKS; pb++) {
                m.pageblockMt[pb] = (byte) (m.state[pb << PAGEBLOCK_ORDER] == PageState.RESERVED ? MT_MOVABLE
                    : MT_UNMOVABLE);
            }
            st.mem[s] = m;
        } else if (kind == SectionTable.FREE_RUN) {
            int mt = st.runMt[s];
            Arrays.fill(m.pageblockMt, (byte) mt);
            for (int b = 0; b < MemSection.MAX_ORDER_BLOCKS; b++) {
                m.state[b * MAX_BLOCK] = PageState.free(mt, MAX_ORDER - 1);
            }
            m.freeMaxOrderBlocks = MemSection.MAX_ORDER_BLOCKS;
            st.mem[s] = m;
            // Splice the 32 blocks in where the run node stood, in the run's address order.
            int run = lists.runId(s);
            int before = lists.prev(run);
            int after = lists.next(run);
            boolean desc = st.runDescending[s] != 0;
            int base = st.idOf(secStart);
            int prevId = before;
            for (int i = 0; i < MemSection.MAX_ORDER_BLOCKS; i++) {
                int b = desc ? MemSection.MAX_ORDER_BLOCKS - 1 - i : i;
                int id = base + b * MAX_BLOCK;
                lists.setNext(prevId, id);
                lists.setPrev(id, prevId);
                prevId = id;
            }
            lists.setNext(prevId, after);
            lists.setPrev(after, prevId);
        } else {
            throw new IllegalStateException("materialise: section " + s + " has no memory");
        }
        st.kind[s] = SectionTable.MATERIALISED;
        st.materialised++;
        return m;
    }

    void noteDematerialiseCandidate(int s) {
        if (dematCount == dematCandidates.length) {
            dematCandidates = Arrays.copyOf(dematCandidates, dematCount * 2);
        }
        dematCandidates[dematCount++] = s;
    }

    void flushDematerialise() {
        for (int i = 0; i < dematCount; i++) {
            tryDematerialise(dematCandidates[i]);
        }
        dematCount = 0;
    }

    /**
     * Fold a section back into one run node when its 32 order-10 blocks are free, typed alike,
     * and adjacent in list order (either direction), so no observable list order changes.
     */
    private void tryDematerialise(int s) {
        MemSection m = st.mem[s];
        if (m == null || m.freeMaxOrderBlocks != MemSection.MAX_ORDER_BLOCKS || !st.fullyPresent[s]) {
            return;
        }
        int mt = m.pageblockMt[0];
        if (mt == MT_ISOLATE || mt == MT_HIGHATOMIC) {
            return;
        }
        for (byte b : m.pageblockMt) {
            if (b != mt) {
                return;
            }
        }
        byte want = PageState.free(mt, MAX_ORDER - 1);
        for (int b = 0; b < MemSection.MAX_ORDER_BLOCKS; b++) {
            if (m.state[b * MAX_BLOCK] != want) {
                return;
            }
        }
        int base = st.idOf(st.sectionStartPfn(s));
        boolean asc = true;
        boolean desc = true;
        for (int b = 0; b + 1 < MemSection.MAX_ORDER_BLOCKS && (asc || desc); b++) {
            int id = base + b * MAX_BLOCK;
            int nextId = id + MAX_BLOCK;
            asc &= lists.next(id) == nextId;
            desc &= lists.next(nextId) == id;
        }
        if (!asc && !desc) {
            return;
        }
        int first = asc ? base : base + (MemSection.MAX_ORDER_BLOCKS - 1) * MAX_BLOCK;
        int last = asc ? base + (MemSection.MAX_ORDER_BLOCKS - 1) * MAX_BLOCK : base;
        int before = lists.prev(first);
        int after = lists.next(last);
        int run = lists.runId(s);
        lists.setNext(before, run);
        lists.setPrev(run, before);
        lists.setNext(run, after);
        lists.setPrev(after, run);
        st.runMt[s] = (byte) mt;
        st.runDescending[s] = (byte) (asc ? 0 : 1);
        st.kind[s] = SectionTable.FREE_RUN;
        st.mem[s] = null;
        st.materialised--;
    }
}
