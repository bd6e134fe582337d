package org.dmasim.mm.buddy;

/**
 * {@code zone->free_area[order].free_list[migratetype]}: circular doubly linked lists whose
 * nodes live inside the section metadata (like {@code page->buddy_list}) and whose heads are
 * sentinel nodes, so unlinking a block never needs to know which list holds it.
 *
 * <p>Three node kinds share one int id space (see {@link SectionTable}): page nodes, list
 * sentinels, and FREE_RUN section nodes that stand for 32 consecutive order-10 blocks.
 */
final class FreeLists {
    private final SectionTable st;
    private final int sentinels;
    private final int[] sentNext;
    private final int[] sentPrev;

    FreeLists(SectionTable st, int nrZones) {
        this.st = st;
        this.sentinels = nrZones * BuddyAllocator.MAX_ORDER * BuddyAllocator.MIGRATE_TYPES;
        sentNext = new int[sentinels];
        sentPrev = new int[sentinels];
        for (int k = 0; k < sentinels; k++) {
            sentNext[k] = ~k;
            sentPrev[k] = ~k;
        }
    }

    int head(int zone, int order, int mt) {
        return ~((zone * BuddyAllocator.MAX_ORDER + order) * BuddyAllocator.MIGRATE_TYPES + mt);
    }

    int runId(int section) {
        return ~(sentinels + section);
    }

    boolean isRun(int id) {
        return id < 0 && ~id >= sentinels;
    }

    int runSection(int id) {
        return ~id - sentinels;
    }

    boolean isEmpty(int head) {
        return next(head) == head;
    }

    int next(int id) {
        if (id >= 0) {
            return st.mem[id >>> MemSection.SHIFT].next[id & MemSection.MASK];
        }
        int k = ~id;
        return k < sentinels ? sentNext[k] : st.runNext[k - sentinels];
    }

    int prev(int id) {
        if (id >= 0) {
            return st.mem[id >>> MemSection.SHIFT].prev[id & MemSection.MASK];
        }
        int k = ~id;
        return k < sentinels ? sentPrev[k] : st.runPrev[k - sentinels];
    }

    void setNext(int id, int v) {
        if (id >= 0) {
            st.mem[id >>> MemSection.SHIFT].next[id & MemSection.MASK] = v;
            return;
        }
        int k = ~id;
        if (k < sentinels) {
            sentNext[k] = v;
        } else {
            st.runNext[k - sentinels] = v;
        }
    }

    void setPrev(int id, int v) {
        if (id >= 0) {
            st.mem[id >>> MemSection.SHIFT].prev[id & MemSection.MASK] = v;
            return;
        }
        int k = ~id;
        if (k < sentinels) {
            sentPrev[k] = v;
        } else {
            st.runPrev[k - sentinels] = v;
        }
    }

    /** {@code list_add}: right after the head, where allocation looks first. */
    void addHead(int head, int id) {
        insertBetween(head, next(head), id);
    }

    /** {@code list_add_tail}. */
    void addTail(int head, int id) {
        insertBetween(prev(head), head, id);
    }

    void insertBetween(int before, int after, int id) {
        setNext(id, after);
        setPrev(id, before);
        setNext(before, id);
        setPrev(after, id);
    }

    void unlink(int id) {
        int p = prev(id);
        int n = next(id);
        setNext(p, n);
        setPrev(n, p);
    }
}
