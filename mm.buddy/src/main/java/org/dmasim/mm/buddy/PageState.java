package org.dmasim.mm.buddy;

/**
 * The one byte of per-page state a materialised section keeps: what {@code PageBuddy},
 * {@code buddy_order}, {@code PageReserved} and the compound head bits tell the kernel, packed.
 *
 * <pre>
 *   0x00            TAIL      inside a block (free or allocated); the block's head says which
 *   0x01            RESERVED  present memory the allocator does not own (memblock reserved)
 *   0x02            HOLE      no memory here, or outside every zone
 *   0x10..0x6A      FREE head:  high nibble = migratetype of its free list + 1, low = order
 *   0x70..0x79      PCP head:   on a per-cpu list (taken from the buddy, not yet handed out)
 *   0x80..0xFA      ALLOC head: bit 7 set, bits 4-6 = allocation flags, low nibble = order
 * </pre>
 *
 * A PCP head is what the buddy sees of a page on a per-cpu list: not PageBuddy, so never a
 * merge partner, and not counted in NR_FREE_PAGES. Its list and pcppage migratetype live in
 * the list entry ({@link PerCpuPages}).
 *
 * Only heads carry an order, so a free or an allocation touches one byte per block, not per page.
 * The free head records the list it sits on because merging unlinks a buddy without knowing
 * which list holds it, and per-migratetype counts must follow.
 */
final class PageState {
    static final byte TAIL = 0x00;
    static final byte RESERVED = 0x01;
    static final byte HOLE = 0x02;

    /** ALLOC flag: the caller asked for __GFP_ZERO (memory contents are modelled elsewhere). */
    static final int A_ZERO = 1;
    /** ALLOC flag: a __GFP_MOVABLE allocation; move_freepages counts it like an LRU page. */
    static final int A_MOVABLE = 2;
    /** ALLOC flag: a movable block with a registered owner: alloc_contig_range may migrate it. */
    static final int A_OWNED = 4;

    private static final int PCP_NIBBLE = 7;

    private PageState() {
    }

    static byte free(int migratetype, int order) {
        return (byte) (((migratetype + 1) << 4) | order);
    }

    static byte alloc(int order, int flags) {
        return (byte) (0x80 | (flags << 4) | order);
    }

    static byte pcp(int order) {
        return (byte) ((PCP_NIBBLE << 4) | order);
    }

    static boolean isFree(byte s) {
        int hi = (s >>> 4) & 0x0F;
        return hi >= 1 && hi < PCP_NIBBLE;
    }

    static boolean isPcp(byte s) {
        return ((s >>> 4) & 0x0F) == PCP_NIBBLE;
    }

    static boolean isAlloc(byte s) {
        return (s & 0x80) != 0;
    }

    static boolean isHead(byte s) {
        return (s & 0xF0) != 0;
    }

    static int order(byte s) {
        return s & 0x0F;
    }

    static int freeMigratetype(byte s) {
        return ((s >>> 4) & 0x07) - 1;
    }

    static int allocFlags(byte s) {
        return (s >>> 4) & 0x07;
    }

    static String describe(byte s) {
        if (s == TAIL) {
            return "tail";
        }
        if (s == RESERVED) {
            return "reserved";
        }
        if (s == HOLE) {
            return "hole";
        }
        if (isFree(s)) {
            return "free order-" + order(s) + " " + BuddyAllocator.mtName(freeMigratetype(s));
        }
        if (isPcp(s)) {
            return "order-" + order(s) + " block on a per-cpu list";
        }
        return "allocated order-" + order(s);
    }
}
