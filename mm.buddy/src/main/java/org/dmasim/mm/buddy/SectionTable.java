package org.dmasim.mm.buddy;

/**
 * Per-section bookkeeping for the whole node, a few bytes per 128 MiB section, and the
 * lazily allocated {@link MemSection}s.
 *
 * <p>A section is in one of four kinds:
 * <pre>
 *   ABSENT        no memory at all (pfn_valid() is false for every pfn); nothing is stored
 *   RESERVED      implicit: every present page reserved, pageblocks in their boot migratetype
 *   FREE_RUN      implicit: all 32 order-10 blocks free, one migratetype, and consecutive on
 *                 that migratetype's order-10 free list; the list holds ONE node for all 32
 *   MATERIALISED  a MemSection holds the per-page state and links
 * </pre>
 *
 * Node ids, shared by every free list: a page node is {@code pfn - basePfn} (>= 0); negative
 * ids are {@code ~k} where k below the sentinel count names a list head ({@link FreeLists}) and
 * k above it names the run node of section {@code k - sentinels}.
 */
final class SectionTable {
    static final byte ABSENT = 0;
    static final byte RESERVED = 1;
    static final byte FREE_RUN = 2;
    static final byte MATERIALISED = 3;

    final long basePfn;
    final int count;
    final MemSection[] mem;
    final byte[] kind;
    /** Migratetype of a FREE_RUN section (all its pageblocks and its list). */
    final byte[] runMt;
    /** 1 when a FREE_RUN's blocks sit on the list in descending address order. */
    final byte[] runDescending;
    final int[] runNext;
    final int[] runPrev;
    /**
     * Zone index when every present page of the section lies in that one zone, else -1
     * (a section with no present page gets -1 too).
     */
    final byte[] singleZone;
    /** True when every page of the section is present memory inside {@link #singleZone}. */
    final boolean[] fullyPresent;
    int materialised;

    SectionTable(long basePfn, int count) {
        this.basePfn = basePfn;
        this.count = count;
        mem = new MemSection[count];
        kind = new byte[count];
        runMt = new byte[count];
        runDescending = new byte[count];
        runNext = new int[count];
        runPrev = new int[count];
        singleZone = new byte[count];
        fullyPresent = new boolean[count];
    }

    int sectionOf(long pfn) {
        return (int) ((pfn - basePfn) >>> MemSection.SHIFT);
    }

    long sectionStartPfn(int s) {
        return basePfn + ((long) s << MemSection.SHIFT);
    }

    boolean inTable(long pfn) {
        return pfn >= basePfn && ((pfn - basePfn) >>> MemSection.SHIFT) < count;
    }

    int idOf(long pfn) {
        return (int) (pfn - basePfn);
    }

    long pfnOf(int id) {
        return basePfn + id;
    }

    /** Section-local offset of a pfn. */
    static int off(long pfn, long basePfn) {
        return (int) ((pfn - basePfn) & MemSection.MASK);
    }

    /** Metadata bytes held now: the per-section table plus every materialised section. */
    long metadataBytes() {
        long table = (long) count * (8 + 1 + 1 + 1 + 4 + 4 + 1 + 1);
        return table + (long) materialised * MemSection.BYTES;
    }
}
