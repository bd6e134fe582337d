package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.MAX_BLOCK;
import static org.dmasim.mm.buddy.BuddyAllocator.MAX_ORDER;
import static org.dmasim.mm.buddy.BuddyAllocator.MIGRATE_PCPTYPES;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_CMA;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_ISOLATE;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_MOVABLE;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_UNMOVABLE;
import static org.dmasim.mm.buddy.BuddyAllocator.PAGEBLOCK_NR_PAGES;
import static org.dmasim.mm.buddy.BuddyAllocator.PAGEBLOCK_ORDER;

import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.ZoneType;

/**
 * {@code struct pglist_data} of the one node: its zones, where memory is present, the section
 * table and the free lists, plus the mechanics every path shares: linking and unlinking free
 * blocks, {@code __free_one_page()}, {@code move_freepages_block()}, pageblock migratetypes and
 * the pfn lookups ({@code page_zone()}, {@code pfn_valid()}). {@link Sparse} turns sections
 * between their implicit and materialised forms.
 */
final class Node {
    final BuddyOptions options;
    final Zone[] zones;
    /** Present memory, clipped to zone spans, one piece per (memory range, zone), ascending. */
    final long[] memStart;
    final long[] memEnd;
    final int[] memZone;
    final SectionTable st;
    final FreeLists lists;

    /** Turns sections between their implicit and materialised forms. */
    final Sparse sparse;
    /** The RAM contents, when attached: __GFP_ZERO fills and migration copies go through it. */
    volatile PhysMemory memory;
    /** Out-parameter of {@link #moveFreepagesBlock}: pages of movable allocations it saw. */
    int lastMovablePages;

    Node(BuddyOptions options, Zone[] zones, long[] memStart, long[] memEnd, int[] memZone, SectionTable st) {
        this.options = options;
        this.zones = zones;
        this.memStart = memStart;
        this.memEnd = memEnd;
        this.memZone = memZone;
        this.st = st;
        this.lists = new FreeLists(st, zones.length);
        this.sparse = new Sparse(this);
    }

    /**
     * {@code __free_one_page()}: pages [pfn, pfn + 2^order) are owned by the caller (their
     * states are whatever; tails must be TAIL); merge upwards and link the result.
     */
    void freeOneBlock(Zone z, long pfn, int order, int mt, boolean toTail) {
        if (mt != MT_ISOLATE) {
            z.freePages += 1L << order;
            if (mt == MT_CMA) {
                z.freeCma += 1L << order;
            }
        }
        int s = st.sectionOf(pfn);
        MemSection m = st.mem[s];
        boolean mixedZones = st.singleZone[s] < 0;
        m.state[off(pfn)] = PageState.TAIL;
        while (order < MAX_ORDER - 1) {
            long buddy = pfn ^ (1L << order);
            byte bs = m.state[off(buddy)];
            if (!PageState.isFree(bs) || PageState.order(bs) != order
                || mixedZones && zoneIndexOfPresent(buddy) != z.index) {
                break;
            }
            if (order >= PAGEBLOCK_ORDER) {
                int bmt = pageblockMt(buddy);
                if (mt != bmt && (!mergeable(mt) || !mergeable(bmt))) {
                    break;
                }
            }
            removeFree(z, buddy, order, PageState.freeMigratetype(bs));
            m.state[off(buddy)] = PageState.TAIL;
            pfn &= buddy;
            order++;
        }
        boolean tail = toTail || buddyMergeLikely(m, pfn, order, mixedZones, z.index);
        addFree(z, pfn, order, mt, tail);
        if (order == MAX_ORDER - 1 && m.freeMaxOrderBlocks == MemSection.MAX_ORDER_BLOCKS) {
            sparse.noteDematerialiseCandidate(s);
        }
    }

    /** {@code buddy_merge_likely()}: is the buddy of the next order up already free? */
    private boolean buddyMergeLikely(MemSection m, long pfn, int order, boolean mixedZones, int zoneIdx) {
        if (order >= MAX_ORDER - 2) {
            return false;
        }
        long higher = pfn & ~(1L << order);
        long higherBuddy = higher ^ (1L << (order + 1));
        byte s = m.state[off(higherBuddy)];
        return PageState.isFree(s) && PageState.order(s) == order + 1
            && (!mixedZones || zoneIndexOfPresent(higherBuddy) == zoneIdx);
    }

    static boolean mergeable(int mt) {
        return mt < MIGRATE_PCPTYPES;
    }

    /** Link a free block (its pages already TAIL) and count it. */
    void addFree(Zone z, long pfn, int order, int mt, boolean tail) {
        MemSection m = mem(pfn);
        m.state[off(pfn)] = PageState.free(mt, order);
        int head = lists.head(z.index, order, mt);
        if (tail) {
            lists.addTail(head, st.idOf(pfn));
        } else {
            lists.addHead(head, st.idOf(pfn));
        }
        z.nrFree[order]++;
        z.nrFreeByType[order][mt]++;
        if (order == MAX_ORDER - 1) {
            m.freeMaxOrderBlocks++;
        }
    }

    /** {@code del_page_from_free_list()}: unlink and uncount; the head state is left to the caller. */
    void removeFree(Zone z, long pfn, int order, int listMt) {
        lists.unlink(st.idOf(pfn));
        z.nrFree[order]--;
        z.nrFreeByType[order][listMt]--;
        if (order == MAX_ORDER - 1) {
            mem(pfn).freeMaxOrderBlocks--;
        }
    }

    /** {@code move_to_free_list()}: to the tail of another type's list (6.1 uses list_move_tail). */
    void moveToFreeList(Zone z, long pfn, int order, int fromMt, int toMt) {
        lists.unlink(st.idOf(pfn));
        lists.addTail(lists.head(z.index, order, toMt), st.idOf(pfn));
        z.nrFreeByType[order][fromMt]--;
        z.nrFreeByType[order][toMt]++;
        mem(pfn).state[off(pfn)] = PageState.free(toMt, order);
    }

    /**
     * {@code move_freepages_block()}: every free block of pfn's pageblock goes to the tail of
     * {@code mt}'s list; returns the pages moved and leaves the pages of movable allocations
     * in {@link #lastMovablePages}. Zero when the pageblock's end is outside the zone.
     */
    int moveFreepagesBlock(Zone z, long pfn, int mt, boolean countMovable) {
        lastMovablePages = 0;
        long start = pfn & ~(long) (PAGEBLOCK_NR_PAGES - 1);
        long end = start + PAGEBLOCK_NR_PAGES - 1;
        if (!z.spans(start)) {
            start = pfn;
        }
        if (!z.spans(end)) {
            return 0;
        }
        MemSection m = mem(start);
        int moved = 0;
        long p = start;
        while (p <= end) {
            byte s = m.state[off(p)];
            if (PageState.isFree(s)) {
                int o = PageState.order(s);
                moveToFreeList(z, p, o, PageState.freeMigratetype(s), mt);
                p += 1L << o;
                moved += 1 << o;
            } else if (PageState.isAlloc(s)) {
                int n = 1 << PageState.order(s);
                if (countMovable && (PageState.allocFlags(s) & PageState.A_MOVABLE) != 0) {
                    lastMovablePages += (int) Math.min(n, end + 1 - p);
                }
                p += n;
            } else {
                p++;
            }
        }
        return moved;
    }

    MemSection mem(long pfn) {
        return st.mem[st.sectionOf(pfn)];
    }

    int off(long pfn) {
        return (int) ((pfn - st.basePfn) & MemSection.MASK);
    }

    /** Index of the present-memory piece holding pfn, or -1. */
    int pieceIndex(long pfn) {
        int lo = 0;
        int hi = memStart.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (memStart[mid] <= pfn) {
                if (pfn < memEnd[mid]) {
                    return mid;
                }
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }

    /** Index of the first piece whose end lies above pfn (memStart.length if none). */
    int firstPieceEndingAfter(long pfn) {
        int lo = 0;
        int hi = memStart.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (memEnd[mid] <= pfn) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    boolean isPresent(long pfn) {
        return pieceIndex(pfn) >= 0;
    }

    /** The zone of a present page (-1 for a hole or outside every zone). */
    int zoneIndexOfPresent(long pfn) {
        int i = pieceIndex(pfn);
        return i < 0 ? -1 : memZone[i];
    }

    /** The zone whose span covers pfn, holes included (-1 outside every span). */
    int zoneIndexSpanning(long pfn) {
        for (Zone z : zones) {
            if (z.spans(pfn)) {
                return z.index;
            }
        }
        return -1;
    }

    /**
     * {@code page_zone()} as memmap_init() sets it: present pages by their zone, a hole page by
     * the zone of the next present page (the trailing hole by the highest populated zone).
     */
    int pageZoneIndex(long pfn) {
        int i = pieceIndex(pfn);
        if (i >= 0) {
            return memZone[i];
        }
        int next = firstPieceEndingAfter(pfn);
        if (next < memStart.length) {
            return memZone[next];
        }
        for (int z = zones.length - 1; z >= 0; z--) {
            if (zones[z].populated()) {
                return z;
            }
        }
        return -1;
    }

    /** {@code get_pageblock_migratetype()} for any pfn, materialised or not. */
    int pageblockMt(long pfn) {
        if (!st.inTable(pfn)) {
            return MT_UNMOVABLE;
        }
        int s = st.sectionOf(pfn);
        return switch (st.kind[s]) {
            case SectionTable.MATERIALISED -> st.mem[s].pageblockMt[off(pfn) >>> PAGEBLOCK_ORDER];
            case SectionTable.FREE_RUN -> st.runMt[s];
            case SectionTable.RESERVED -> isPresent(pfn & ~(long) (PAGEBLOCK_NR_PAGES - 1)) ? MT_MOVABLE : MT_UNMOVABLE;
            default -> MT_UNMOVABLE;
        };
    }

    void setPageblockMt(long pfn, int mt) {
        sparse.materialise(st.sectionOf(pfn)).pageblockMt[off(pfn) >>> PAGEBLOCK_ORDER] = (byte) mt;
    }

    /** The state byte of any pfn in the table, synthesised for implicit sections. */
    byte stateOf(long pfn) {
        if (!st.inTable(pfn)) {
            return PageState.HOLE;
        }
        int s = st.sectionOf(pfn);
        switch (st.kind[s]) {
            case SectionTable.MATERIALISED:
                return st.mem[s].state[off(pfn)];
            case SectionTable.FREE_RUN:
                return (off(pfn) & (MAX_BLOCK - 1)) == 0 ? PageState.free(st.runMt[s], MAX_ORDER - 1) : PageState.TAIL;
            case SectionTable.RESERVED:
                return isPresent(pfn) ? PageState.RESERVED : PageState.HOLE;
            default:
                return PageState.HOLE;
        }
    }

    int typeIndex(ZoneType t) {
        for (Zone z : zones) {
            if (z.type == t) {
                return z.index;
            }
        }
        return -1;
    }

    /** The index of zone t, or of the highest configured zone below it. */
    int zoneIndexAtMost(ZoneType t) {
        int best = -1;
        for (Zone z : zones) {
            if (z.type.ordinal() <= t.ordinal()) {
                best = z.index;
            }
        }
        return best;
    }
}
