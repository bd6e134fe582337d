package org.dmasim.mm.buddy;

/**
 * The per-page metadata of one materialised 128 MiB section (32768 pages, 64 pageblocks):
 * the sparse stand-in for that section's slice of {@code mem_map} plus its pageblock bitmap.
 *
 * <p>9 bytes per page: the state byte ({@link PageState}) and the two links of the intrusive
 * free list, as ints (a page's "node id" is its pfn minus the table base, see
 * {@link SectionTable}). Links are only meaningful on free heads, exactly like
 * {@code page->buddy_list}.
 */
final class MemSection {
    static final int SHIFT = 15;
    static final int PAGES = 1 << SHIFT;
    static final int MASK = PAGES - 1;
    static final int PAGEBLOCKS = PAGES >> BuddyAllocator.PAGEBLOCK_ORDER;
    static final int MAX_ORDER_BLOCKS = PAGES >> (BuddyAllocator.MAX_ORDER - 1);

    /** Bytes of metadata this object holds (array payloads; headers are noise at 288 KiB). */
    static final long BYTES = (long) PAGES * (1 + 4 + 4) + PAGEBLOCKS;

    final byte[] state = new byte[PAGES];
    final int[] next = new int[PAGES];
    final int[] prev = new int[PAGES];
    final byte[] pageblockMt = new byte[PAGEBLOCKS];
    /** Free order-10 heads in this section: 32 means the section is entirely free. */
    int freeMaxOrderBlocks;
}
