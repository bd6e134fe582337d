package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.BuddyAllocator.MAX_ORDER;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_CMA;
import static org.dmasim.mm.buddy.BuddyAllocator.MT_MOVABLE;
import static org.dmasim.mm.buddy.BuddyAllocator.PAGEBLOCK_NR_PAGES;
import static org.dmasim.mm.buddy.BuddyAllocator.PAGEBLOCK_ORDER;
import static org.dmasim.mm.buddy.BuddyAllocator.SECTION_PAGES;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Memory initialisation and the boot hand-over: the node as {@code free_area_init()} and
 * {@code memmap_init()} leave it, then the pages that reach the allocator before it runs
 * ({@code memblock_free_all()}, {@code init_cma_reserved_pageblock()}). In 6.1 these live in
 * {@code mm/page_alloc.c}; 6.4 moved them to {@code mm/mm_init.c}, whose name this class takes.
 *
 * <p>Every present page starts reserved (managed = 0), every pageblock whose first pfn is present
 * Movable, the rest Unmovable. A boot free checks first that every page of its range is still
 * reserved, so a range given twice, a hole or a pfn outside every zone changes nothing; a whole
 * present section is then freed as one run node (32 order-10 tail frees, no per-page arrays),
 * anything else as the largest naturally aligned blocks, to the list tail (FPI_TO_TAIL).
 * Callers hold the zone lock.
 */
final class MmInit {
    private final Node node;
    private final Zone[] zones;
    private final SectionTable st;
    private final FreeLists lists;

    MmInit(Node node) {
        this.node = node;
        this.zones = node.zones;
        this.st = node.st;
        this.lists = node.lists;
    }

    /**
     * Builds the node: validates the zones (in zone order, not overlapping) and the memory ranges
     * (not overlapping, each zone's present count matching), clips memory to the zones and lays
     * out the section table.
     */
    static Node buildNode(List<ZoneSpec> zones, List<PfnRange> memory, BuddyOptions options) {
        if (zones == null || zones.isEmpty()) {
            throw new IllegalArgumentException("buddy: at least one zone is required");
        }
        if (options == null) {
            options = BuddyOptions.defaults();
        }
        Zone[] zs = new Zone[zones.size()];
        long lastEnd = -1;
        int lastType = -1;
        for (int i = 0; i < zs.length; i++) {
            ZoneSpec spec = zones.get(i);
            if (spec.type().ordinal() <= lastType) {
                throw new IllegalArgumentException("buddy: zones must be listed once each in zone order "
                    + "(DMA, DMA32, Normal, Movable, Device); " + spec.type().kernelName() + " is out of place");
            }
            lastType = spec.type().ordinal();
            if (spec.spannedPages() > 0) {
                if (spec.zoneStartPfn() < lastEnd) {
                    throw new IllegalArgumentException(String.format(
                        "buddy: zone %s starts at pfn %#x, inside the previous zone (which ends at %#x)",
                        spec.type().kernelName(), spec.zoneStartPfn(), lastEnd));
                }
                lastEnd = spec.zoneEndPfn();
            }
            zs[i] = new Zone(i, spec.type(), spec.zoneStartPfn(), spec.spannedPages(), spec.presentPages(),
                zs.length, options.nrCpus());
        }

        // Clip memory to the zones: one piece per (range, zone), ascending.
        List<PfnRange> mem = new ArrayList<>(memory == null ? List.of() : memory);
        mem.sort(Comparator.comparingLong(PfnRange::startPfn));
        for (int i = 1; i < mem.size(); i++) {
            if (mem.get(i).startPfn() < mem.get(i - 1).endPfn()) {
                throw new IllegalArgumentException(String.format(
                    "buddy: memory ranges [%#x, %#x) and [%#x, %#x) overlap",
                    mem.get(i - 1).startPfn(), mem.get(i - 1).endPfn(), mem.get(i).startPfn(), mem.get(i).endPfn()));
            }
        }
        List<long[]> pieces = new ArrayList<>();
        long[] present = new long[zs.length];
        for (PfnRange r : mem) {
            for (Zone z : zs) {
                long a = Math.max(r.startPfn(), z.startPfn);
                long b = Math.min(r.endPfn(), z.endPfn());
                if (a < b) {
                    long[] last = pieces.isEmpty() ? null : pieces.get(pieces.size() - 1);
                    if (last != null && last[1] == a && last[2] == z.index) {
                        last[1] = b;
                    } else {
                        pieces.add(new long[] {a, b, z.index});
                    }
                    present[z.index] += b - a;
                }
            }
        }
        for (Zone z : zs) {
            if (present[z.index] != z.present) {
                throw new IllegalArgumentException(String.format(
                    "buddy: zone %s spans [%#x, %#x) with present_pages %d, but the memory ranges put %d "
                        + "present pages there", z.name(), z.startPfn, z.endPfn(), z.present, present[z.index]));
            }
        }
        long[] ms = new long[pieces.size()];
        long[] me = new long[pieces.size()];
        int[] mz = new int[pieces.size()];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = pieces.get(i)[0];
            me[i] = pieces.get(i)[1];
            mz[i] = (int) pieces.get(i)[2];
        }

        long lo = Long.MAX_VALUE;
        long hi = 0;
        for (Zone z : zs) {
            if (z.spanned > 0) {
                lo = Math.min(lo, z.startPfn);
                hi = Math.max(hi, z.endPfn());
            }
        }
        long base = lo == Long.MAX_VALUE ? 0 : lo & ~(long) (SECTION_PAGES - 1);
        long top = hi == 0 ? 0 : (hi + SECTION_PAGES - 1) & ~(long) (SECTION_PAGES - 1);
        long nrSections = (top - base) >>> MemSection.SHIFT;
        if (nrSections > (1L << (31 - MemSection.SHIFT))) {
            throw new IllegalArgumentException(String.format(
                "buddy: the node spans pfns [%#x, %#x): more than 8 TiB of pfns in one node is not supported",
                base, top));
        }
        SectionTable st = new SectionTable(base, (int) nrSections);
        int[] presentIn = new int[st.count];
        Arrays.fill(st.singleZone, (byte) -2);
        for (int i = 0; i < ms.length; i++) {
            for (int s = st.sectionOf(ms[i]); s <= st.sectionOf(me[i] - 1); s++) {
                long a = Math.max(ms[i], st.sectionStartPfn(s));
                long b = Math.min(me[i], st.sectionStartPfn(s) + SECTION_PAGES);
                presentIn[s] += (int) (b - a);
                if (st.singleZone[s] == -2) {
                    st.singleZone[s] = (byte) mz[i];
                } else if (st.singleZone[s] != mz[i]) {
                    st.singleZone[s] = -1;
                }
            }
        }
        for (int s = 0; s < st.count; s++) {
            if (st.singleZone[s] == -2) {
                st.singleZone[s] = -1;
            }
            st.kind[s] = presentIn[s] > 0 ? SectionTable.RESERVED : SectionTable.ABSENT;
            st.fullyPresent[s] = presentIn[s] == SECTION_PAGES && st.singleZone[s] >= 0;
        }
        return new Node(options, zs, ms, me, mz, st);
    }

    /**
     * {@code memblock_free_all()} for one free range: splits [startPfn, endPfn) at zone
     * boundaries, then into the largest naturally aligned blocks of at most order 10, and frees
     * each to the list tail (FPI_TO_TAIL), counting it as managed. Whole free sections do not
     * materialise.
     *
     * @throws IllegalArgumentException when any page of the range is not a reserved present
     *     page (a hole, outside every zone, or already given to the allocator); nothing changes
     */
    void freeBootMemory(long startPfn, long endPfn) {
        checkReservedRange("freeBootMemory", startPfn, endPfn);
        long pfn = startPfn;
        while (pfn < endPfn) {
            Zone z = zones[node.zoneIndexOfPresent(pfn)];
            long segEnd = Math.min(endPfn, z.endPfn());
            freeBootSegment(z, pfn, segEnd);
            pfn = segEnd;
        }
        node.sparse.flushDematerialise();
    }

    /**
     * {@code init_cma_reserved_pageblock()}: the reserved pageblock at {@code pfn} becomes
     * MIGRATE_CMA and its 512 pages are freed as one order-9 block; managed and the zone's cma
     * count grow by 512.
     *
     * @throws IllegalStateException when the kernel is built without CONFIG_CMA
     * @throws IllegalArgumentException when pfn is not pageblock aligned or any of the 512 pages
     *     is not a reserved present page of one zone; nothing changes
     */
    void initCmaReservedPageblock(long pfn) {
        if (!node.options.cmaConfigured()) {
            throw new IllegalStateException("initCmaReservedPageblock: this kernel is built without CONFIG_CMA");
        }
        if ((pfn & (PAGEBLOCK_NR_PAGES - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                "initCmaReservedPageblock(pfn %#x): pfn must be pageblock aligned (multiple of %d)",
                pfn, PAGEBLOCK_NR_PAGES));
        }
        checkReservedRange("initCmaReservedPageblock", pfn, pfn + PAGEBLOCK_NR_PAGES);
        Zone z = zones[node.zoneIndexOfPresent(pfn)];
        if (!z.spans(pfn + PAGEBLOCK_NR_PAGES - 1)) {
            throw new IllegalArgumentException(String.format(
                "initCmaReservedPageblock(pfn %#x): the pageblock crosses the end of zone %s", pfn, z.name()));
        }
        MemSection m = node.sparse.materialise(st.sectionOf(pfn));
        int off = node.off(pfn);
        m.pageblockMt[off >>> PAGEBLOCK_ORDER] = (byte) MT_CMA;
        Arrays.fill(m.state, off, off + PAGEBLOCK_NR_PAGES, PageState.TAIL);
        z.managed += PAGEBLOCK_NR_PAGES;
        z.cmaPages += PAGEBLOCK_NR_PAGES;
        node.freeOneBlock(z, pfn, PAGEBLOCK_ORDER, MT_CMA, false);
        node.sparse.flushDematerialise();
    }

    private void freeBootSegment(Zone z, long start, long end) {
        long pfn = start;
        while (pfn < end) {
            int s = st.sectionOf(pfn);
            if ((pfn & (SECTION_PAGES - 1)) == 0 && pfn + SECTION_PAGES <= end
                && st.kind[s] == SectionTable.RESERVED && st.fullyPresent[s]) {
                // A whole present section: 32 order-10 tail frees, recorded as one run node.
                st.kind[s] = SectionTable.FREE_RUN;
                st.runMt[s] = (byte) MT_MOVABLE;
                st.runDescending[s] = 0;
                lists.addTail(lists.head(z.index, MAX_ORDER - 1, MT_MOVABLE), lists.runId(s));
                z.nrFree[MAX_ORDER - 1] += MemSection.MAX_ORDER_BLOCKS;
                z.nrFreeByType[MAX_ORDER - 1][MT_MOVABLE] += MemSection.MAX_ORDER_BLOCKS;
                z.freePages += SECTION_PAGES;
                z.managed += SECTION_PAGES;
                pfn += SECTION_PAGES;
                continue;
            }
            int order = pfn == 0 ? MAX_ORDER - 1 : Math.min(MAX_ORDER - 1, Long.numberOfTrailingZeros(pfn));
            while (pfn + (1L << order) > end) {
                order--;
            }
            MemSection m = node.sparse.materialise(s);
            int off = node.off(pfn);
            Arrays.fill(m.state, off, off + (1 << order), PageState.TAIL);
            z.managed += 1L << order;
            node.freeOneBlock(z, pfn, order, node.pageblockMt(pfn), true);
            pfn += 1L << order;
        }
    }

    /** Every page of [start, end) must be a reserved present page; otherwise explain the first. */
    private void checkReservedRange(String op, long start, long end) {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException(String.format("%s([%#x, %#x)): the range is empty", op, start, end));
        }
        long pfn = start;
        while (pfn < end) {
            if (node.zoneIndexSpanning(pfn) < 0 || !st.inTable(pfn)) {
                throw new IllegalArgumentException(String.format(
                    "%s([%#x, %#x)): pfn %#x is outside every zone", op, start, end, pfn));
            }
            int piece = node.pieceIndex(pfn);
            if (piece < 0) {
                throw new IllegalArgumentException(String.format(
                    "%s([%#x, %#x)): pfn %#x is not present memory (a hole)", op, start, end, pfn));
            }
            int s = st.sectionOf(pfn);
            long stop = Math.min(Math.min(end, node.memEnd[piece]), st.sectionStartPfn(s) + SECTION_PAGES);
            byte kind = st.kind[s];
            if (kind == SectionTable.FREE_RUN) {
                throw new IllegalArgumentException(String.format(
                    "%s([%#x, %#x)): pfn %#x already belongs to the allocator (it is free)", op, start, end, pfn));
            }
            if (kind == SectionTable.MATERIALISED) {
                MemSection m = st.mem[s];
                for (long p = pfn; p < stop; p++) {
                    byte state = m.state[node.off(p)];
                    if (state != PageState.RESERVED) {
                        throw new IllegalArgumentException(String.format(
                            "%s([%#x, %#x)): pfn %#x already belongs to the allocator (%s)", op, start, end, p,
                            describeOwner(m, p)));
                    }
                }
            }
            pfn = stop;
        }
    }

    private String describeOwner(MemSection m, long pfn) {
        byte s = m.state[node.off(pfn)];
        if (s != PageState.TAIL) {
            return PageState.describe(s);
        }
        for (int o = 1; o < MAX_ORDER; o++) {
            long head = pfn & -(1L << o);
            byte hs = m.state[node.off(head)];
            if (PageState.isHead(hs) && PageState.order(hs) >= o) {
                return String.format("inside the %s block at pfn %#x", PageState.describe(hs), head);
            }
        }
        return "tail page";
    }
}
