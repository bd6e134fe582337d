package org.dmasim.mm.buddy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.dto.ZoneDTO;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MigrateType;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;

/**
 * The buddy page allocator of one node: Linux 6.1 {@code mm/page_alloc.c} over a sparse,
 * lazily materialised memory map.
 *
 * <h2>Notation</h2>
 * A <em>pfn</em> names a 4 KiB page. A <em>block of order o</em> is 2^o pages starting at a pfn
 * divisible by 2^o; orders run 0..10 (6.1's MAX_ORDER = 11 is exclusive), so the largest block
 * is 1024 pages = 4 MiB. A <em>pageblock</em> is 2^9 pages and carries one migratetype
 * (Unmovable, Movable, Reclaimable, HighAtomic, CMA, Isolate). A <em>section</em> is 2^15 pages
 * (128 MiB, the SPARSEMEM unit) = 64 pageblocks = 32 order-10 blocks. The <em>buddy</em> of the
 * block (pfn, o) is (pfn ^ 2^o, o); two free buddies merge into (pfn &amp; buddy, o + 1).
 *
 * <h2>Data layout</h2>
 * <pre>
 *  Zone[]  one per configured zone (DMA, DMA32, Normal, Movable, Device), empty ones too
 *     managed, present, spanned, NR_FREE_PAGES, NR_FREE_CMA, nr_free[order], watermarks,
 *     lowmem_reserve[]
 *     free_area[order][migratetype]:  (sentinel) ⇄ node ⇄ node ⇄ ... ⇄ (sentinel)
 *          page node = the head pfn of one free block
 *          run node  = a FREE_RUN section: its 32 order-10 blocks, consecutive, in one node
 *
 *  SectionTable: one slot per 128 MiB section of the node, about 20 bytes each
 *     ABSENT        no memory                                   costs the slot only
 *     RESERVED      all present pages reserved (never freed)    costs the slot only
 *     FREE_RUN      entirely free as 32 order-10 blocks         costs the slot only
 *     MATERIALISED  ─► MemSection  state[32768]   1 B/page  (free/alloc head + order, tail,
 *                                                            reserved, hole)
 *                                  next[32768]    4 B/page  \ intrusive free-list links,
 *                                  prev[32768]    4 B/page  / like page-&gt;buddy_list
 *                                  pageblockMt[64]
 * </pre>
 * So a materialised section costs 9 bytes per page and everything else a few bytes per
 * section: a 1 TiB node (8192 sections) booted with a handful of reservations keeps a few MiB
 * of metadata. A section materialises the first time something inside it is split, reserved
 * piecewise, freed piecewise or has a pageblock retyped; it dematerialises again when its 32
 * order-10 blocks are all free, of one migratetype, and consecutive on their free list (the run
 * node then stands in for them at the same list position, so list order never changes).
 *
 * <h2>Freeing ({@code __free_one_page})</h2>
 * <ol>
 * <li>Count the block into NR_FREE_PAGES (and NR_FREE_CMA) by its pageblock's migratetype,
 *     unless that pageblock is isolated.</li>
 * <li>While order &lt; 10: find the buddy; stop unless it is a free head of the same order in
 *     the same zone; at order &ge; 9 also stop when the two pageblock types differ and either
 *     is CMA, HighAtomic or Isolate. Otherwise unlink the buddy and climb one order.</li>
 * <li>Link the result at the list head, or at the tail for boot frees (FPI_TO_TAIL) and when
 *     the next-order buddy is already free ({@code buddy_merge_likely}).</li>
 * </ol>
 *
 * <h2>Allocating ({@code __alloc_pages})</h2>
 * <ol>
 * <li>order &ge; 11 fails at once with a warning; {@code gfp_zone()} gives the highest zone,
 *     {@code gfp_migratetype()} the list; __GFP_MOVABLE adds ALLOC_CMA.</li>
 * <li>Fast path: walk the zonelist (highest allowed zone down to DMA, populated zones only)
 *     against the low watermark, with ALLOC_NOFRAGMENT when the preferred zone is Normal
 *     (fallback may then only steal whole pageblocks); retry once without it.</li>
 * <li>Slow path: min watermark, halved for __GFP_HIGH, cut by a quarter for __GFP_ATOMIC
 *     (ALLOC_HARDER, which may also use HighAtomic reserves); __GFP_MEMALLOC ignores
 *     watermarks. No reclaim or compaction exists to help, so failure is final and warned
 *     unless __GFP_NOWARN.</li>
 * <li>In a zone ({@code rmqueue} without per-cpu lists): HighAtomic first for ALLOC_HARDER
 *     order &gt; 0; CMA first when ALLOC_CMA and free CMA exceeds half the zone's free pages;
 *     then the smallest order of the wanted type (taking the list head and splitting: the
 *     upper halves go to the heads of the lower lists); then CMA; then steal from the
 *     fallback types, largest block first, claiming whole pageblocks as 6.1 does.</li>
 * </ol>
 *
 * <p>What is not modelled, on purpose: per-cpu page lists (every call goes to the buddy lists
 * directly), reclaim, compaction, kswapd (modelled as waking, reclaiming nothing and clearing
 * watermark boost at once), the OOM killer, page shuffling, deferred struct page init and
 * more than one NUMA node. All public methods are {@code synchronized}: one lock plays
 * {@code zone->lock} for every zone.
 */
public final class BuddyAllocator implements PageAllocator {
    static final int MAX_ORDER = Page.MAX_ORDER;
    static final int PAGEBLOCK_ORDER = Page.PAGEBLOCK_ORDER;
    static final int PAGEBLOCK_NR_PAGES = 1 << PAGEBLOCK_ORDER;
    static final int MIGRATE_TYPES = MigrateType.MIGRATE_TYPES;
    static final int MIGRATE_PCPTYPES = MigrateType.MIGRATE_PCPTYPES;

    static final int MT_UNMOVABLE = MigrateType.UNMOVABLE.ordinal();
    static final int MT_MOVABLE = MigrateType.MOVABLE.ordinal();
    static final int MT_RECLAIMABLE = MigrateType.RECLAIMABLE.ordinal();
    static final int MT_HIGHATOMIC = MigrateType.HIGHATOMIC.ordinal();
    static final int MT_CMA = MigrateType.CMA.ordinal();
    static final int MT_ISOLATE = MigrateType.ISOLATE.ordinal();

    /** {@code alloc_flags} bits (mm/internal.h, 6.1). */
    static final int ALLOC_WMARK_MIN = 0;
    static final int ALLOC_WMARK_LOW = 1;
    static final int ALLOC_NO_WATERMARKS = 0x04;
    static final int ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
    static final int ALLOC_HARDER = 0x10;
    static final int ALLOC_HIGH = 0x20;
    static final int ALLOC_CPUSET = 0x40;
    static final int ALLOC_CMA = 0x80;
    static final int ALLOC_NOFRAGMENT = 0x100;
    static final int ALLOC_KSWAPD = 0x800;

    /** EBUSY, as {@code alloc_contig_range()} returns it (negated). */
    public static final int EBUSY = 16;

    /** {@code fallbacks[]}: where each type may steal from, in order. */
    private static final int[][] FALLBACKS = {
        {MT_RECLAIMABLE, MT_MOVABLE},
        {MT_RECLAIMABLE, MT_UNMOVABLE},
        {MT_UNMOVABLE, MT_MOVABLE},
        {}, {}, {},
    };

    private static final int SECTION_PAGES = MemSection.PAGES;
    private static final int MAX_BLOCK = 1 << (MAX_ORDER - 1);

    final BuddyOptions options;
    final Zone[] zones;
    /** Present memory, clipped to zone spans, one piece per (memory range, zone), ascending. */
    final long[] memStart;
    final long[] memEnd;
    final int[] memZone;
    final SectionTable st;
    final FreeLists lists;
    private final int normalIdx;
    private final boolean hasDma;
    private final boolean hasDma32;

    private int minFreeKbytes;
    /** {@code user_min_free_kbytes}: -1 until the user sets the sysctl. */
    private int userMinFreeKbytes;
    private long totalReservePages;
    private final List<String> warnings = new ArrayList<>();

    /** Sections that may have become entirely free; checked when the public call ends. */
    private int[] dematCandidates = new int[16];
    private int dematCount;
    /** Out-parameters of the list walkers (single-threaded under the lock). */
    private int lastTakenMt;
    private boolean lastCanSteal;
    private int lastMovablePages;

    private BuddyAllocator(BuddyOptions options, Zone[] zones, long[] memStart, long[] memEnd, int[] memZone,
        SectionTable st) {
        this.options = options;
        this.zones = zones;
        this.memStart = memStart;
        this.memEnd = memEnd;
        this.memZone = memZone;
        this.st = st;
        this.lists = new FreeLists(st, zones.length);
        this.hasDma = typeIndex(ZoneType.DMA) >= 0;
        this.hasDma32 = typeIndex(ZoneType.DMA32) >= 0;
        int n = -1;
        for (Zone z : zones) {
            if (z.type.ordinal() <= ZoneType.NORMAL.ordinal()) {
                n = z.index;
            }
        }
        this.normalIdx = n;
        this.minFreeKbytes = 1024; // the static default before init_per_zone_wmark_min() runs
        this.userMinFreeKbytes = options.minFreeKbytes();
    }

    // ------------------------------------------------------------------------------------------
    // Construction

    /** {@link #create(List, List, BuddyOptions)} with {@link BuddyOptions#defaults()}. */
    public static BuddyAllocator create(List<ZoneSpec> zones, List<PfnRange> memory) {
        return create(zones, memory, BuddyOptions.defaults());
    }

    /**
     * Builds the node as {@code free_area_init()} leaves it: every zone sized, every present
     * page reserved (managed = 0), every pageblock whose first pfn is present marked Movable
     * (the rest Unmovable), no free page yet. Memory then arrives through
     * {@link #freeBootMemory}, {@link #initCmaReservedPageblock} and, once boot freeing is
     * over, {@link #setupPerZoneWmarks()} sizes the reserves.
     *
     * @param zones every zone this kernel is built with, in {@link ZoneType} order, empty ones
     *     included (see {@link ZoneSpec#empty})
     * @param memory the node's memory ranges (memblock.memory); any order, must not overlap;
     *     parts outside every zone are ignored
     * @throws IllegalArgumentException when the zones are out of order or overlap, a zone's
     *     present count disagrees with the memory ranges, or the node spans more than 8 TiB
     */
    public static BuddyAllocator create(List<ZoneSpec> zones, List<PfnRange> memory, BuddyOptions options) {
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
                zs.length);
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
        return new BuddyAllocator(options, zs, ms, me, mz, st);
    }

    // ------------------------------------------------------------------------------------------
    // Boot: memory arrives

    /**
     * {@code memblock_free_all()} for one free range: splits [startPfn, endPfn) at zone
     * boundaries, then into the largest naturally aligned blocks of at most order 10, and frees
     * each to the list tail (FPI_TO_TAIL), counting it as managed. Whole free sections do not
     * materialise.
     *
     * @throws IllegalArgumentException when any page of the range is not a reserved present
     *     page (a hole, outside every zone, or already given to the allocator); nothing changes
     */
    @Override
    public synchronized void freeBootMemory(long startPfn, long endPfn) {
        checkReservedRange("freeBootMemory", startPfn, endPfn);
        long pfn = startPfn;
        while (pfn < endPfn) {
            Zone z = zones[zoneIndexOfPresent(pfn)];
            long segEnd = Math.min(endPfn, z.endPfn());
            freeBootSegment(z, pfn, segEnd);
            pfn = segEnd;
        }
        flushDematerialise();
    }

    /**
     * {@code memblock_free_late()}: pages released after the allocator is live (e.g. a torn-down
     * swiotlb buffer) go back one page at a time to the list tail and become managed.
     */
    public synchronized void freeBootMemoryLate(long startPfn, long endPfn) {
        checkReservedRange("freeBootMemoryLate", startPfn, endPfn);
        for (long pfn = startPfn; pfn < endPfn; pfn++) {
            releaseReservedPage(pfn, true);
        }
        flushDematerialise();
    }

    /**
     * {@code free_reserved_area()}: reserved pages (an initrd, init memory) freed one by one as
     * ordinary order-0 frees (list head unless a merge is likely), counted as managed.
     */
    public synchronized void freeReservedArea(long startPfn, long endPfn) {
        checkReservedRange("freeReservedArea", startPfn, endPfn);
        for (long pfn = startPfn; pfn < endPfn; pfn++) {
            releaseReservedPage(pfn, false);
        }
        flushDematerialise();
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
    @Override
    public synchronized void initCmaReservedPageblock(long pfn) {
        if (!options.cmaConfigured()) {
            throw new IllegalStateException("initCmaReservedPageblock: this kernel is built without CONFIG_CMA");
        }
        if ((pfn & (PAGEBLOCK_NR_PAGES - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                "initCmaReservedPageblock(pfn %#x): pfn must be pageblock aligned (multiple of %d)",
                pfn, PAGEBLOCK_NR_PAGES));
        }
        checkReservedRange("initCmaReservedPageblock", pfn, pfn + PAGEBLOCK_NR_PAGES);
        Zone z = zones[zoneIndexOfPresent(pfn)];
        if (!z.spans(pfn + PAGEBLOCK_NR_PAGES - 1)) {
            throw new IllegalArgumentException(String.format(
                "initCmaReservedPageblock(pfn %#x): the pageblock crosses the end of zone %s", pfn, z.name()));
        }
        MemSection m = materialise(st.sectionOf(pfn));
        int off = off(pfn);
        m.pageblockMt[off >>> PAGEBLOCK_ORDER] = (byte) MT_CMA;
        Arrays.fill(m.state, off, off + PAGEBLOCK_NR_PAGES, PageState.TAIL);
        z.managed += PAGEBLOCK_NR_PAGES;
        z.cmaPages += PAGEBLOCK_NR_PAGES;
        freeOneBlock(z, pfn, PAGEBLOCK_ORDER, MT_CMA, false);
        flushDematerialise();
    }

    /**
     * {@code init_per_zone_wmark_min()}: computes {@code min_free_kbytes} (unless the user set
     * it), the min/low/high watermarks, the lowmem reserves and {@code totalreserve_pages};
     * with THP on, khugepaged's recommended minimum is applied afterwards. Call once boot
     * freeing and CMA activation are done (and again whenever managed pages change a lot).
     */
    public synchronized void setupPerZoneWmarks() {
        // calculate_min_free_kbytes(): a value the user set wins unless the formula gives more.
        int computed = Watermarks.calculateMinFreeKbytes(zones, normalIdx);
        int fromFormula = (int) Watermarks.intSqrt(Watermarks.nrFreeBufferPages(zones, normalIdx) * 4 * 16);
        if (fromFormula > userMinFreeKbytes) {
            minFreeKbytes = computed;
        } else {
            minFreeKbytes = userMinFreeKbytes;
            warn(String.format("min_free_kbytes is not updated to %d because user defined value %d is preferred",
                fromFormula, userMinFreeKbytes));
        }
        Watermarks.setupPerZoneWmarks(zones, minFreeKbytes, options.watermarkScaleFactor());
        Watermarks.setupPerZoneLowmemReserve(zones);
        totalReservePages = Watermarks.totalReservePages(zones);
        if (options.transparentHugepage()) {
            // khugepaged starts later (subsys_initcall) and raises the floor for THP allocations.
            minFreeKbytes = Watermarks.thpRecommendedMinFreeKbytes(zones, normalIdx, minFreeKbytes);
            Watermarks.setupPerZoneWmarks(zones, minFreeKbytes, options.watermarkScaleFactor());
            totalReservePages = Watermarks.totalReservePages(zones);
        }
    }

    /** {@code calculate_totalreserve_pages()}: recomputes and returns {@code totalreserve_pages}. */
    public synchronized long calculateTotalReserves() {
        totalReservePages = Watermarks.totalReservePages(zones);
        return totalReservePages;
    }

    /** The {@code vm.min_free_kbytes} sysctl: sets the value and re-runs the watermark setup. */
    public synchronized void setMinFreeKbytes(int kbytes) {
        if (kbytes < 0) {
            throw new IllegalArgumentException("min_free_kbytes must be >= 0, got " + kbytes);
        }
        minFreeKbytes = kbytes;
        userMinFreeKbytes = kbytes;
        Watermarks.setupPerZoneWmarks(zones, minFreeKbytes, options.watermarkScaleFactor());
        totalReservePages = Watermarks.totalReservePages(zones);
    }

    public synchronized int minFreeKbytes() {
        return minFreeKbytes;
    }

    public synchronized long totalReservePages() {
        return totalReservePages;
    }

    // ------------------------------------------------------------------------------------------
    // Run time: alloc_pages / __free_pages

    @Override
    public synchronized long allocPages(int gfp, int order) {
        if (order < 0) {
            throw new IllegalArgumentException("alloc_pages: order " + order + " is negative");
        }
        if (order >= MAX_ORDER) {
            // WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp): the request can never be met.
            warnAllocFailure(gfp, order);
            return NO_PAGE;
        }
        ZoneType zt = Gfp.zone(gfp, hasDma, hasDma32);
        int highest = zoneIndexAtMost(zt);
        int mt = MigrateType.of(gfp).ordinal();
        int preferred = -1;
        for (int i = highest; i >= 0; i--) {
            if (zones[i].populated()) {
                preferred = i;
                break;
            }
        }
        long pfn = NO_PAGE;
        if (preferred >= 0) {
            // Fast path: low watermark; keep fragmentation out of Normal if lower zones exist.
            int flags = ALLOC_WMARK_LOW | ((gfp & Gfp.__GFP_KSWAPD_RECLAIM) != 0 ? ALLOC_KSWAPD : 0);
            if (zones[preferred].type == ZoneType.NORMAL && hasDma32) {
                flags |= ALLOC_NOFRAGMENT;
            }
            flags = allocFlagsCma(gfp, flags);
            pfn = getPageFromFreelist(gfp, order, flags, highest, mt);
            if (pfn == NO_PAGE) {
                pfn = allocSlowpath(gfp, order, highest, mt);
            }
        }
        if (pfn == NO_PAGE) {
            warnAllocFailure(gfp, order);
            flushDematerialise();
            return NO_PAGE;
        }
        flushDematerialise();
        return pfn;
    }

    /** {@code __alloc_pages_slowpath()} without reclaim, compaction or OOM (nothing to reclaim). */
    private long allocSlowpath(int gfp, int order, int highest, int mt) {
        int flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
        if ((gfp & Gfp.__GFP_HIGH) != 0) {
            flags |= ALLOC_HIGH;
        }
        if ((gfp & Gfp.__GFP_KSWAPD_RECLAIM) != 0) {
            flags |= ALLOC_KSWAPD;
        }
        if ((gfp & Gfp.__GFP_ATOMIC) != 0) {
            if ((gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
                flags |= ALLOC_HARDER;
            }
            flags &= ~ALLOC_CPUSET;
        }
        flags = allocFlagsCma(gfp, flags);
        if ((flags & ALLOC_KSWAPD) != 0) {
            wakeKswapd(highest);
        }
        long pfn = getPageFromFreelist(gfp, order, flags, highest, mt);
        if (pfn != NO_PAGE) {
            return pfn;
        }
        // __gfp_pfmemalloc_flags(): __GFP_MEMALLOC may use the reserves outright.
        if ((gfp & Gfp.__GFP_MEMALLOC) != 0 && (gfp & Gfp.__GFP_NOMEMALLOC) == 0) {
            int reserve = allocFlagsCma(gfp, ALLOC_NO_WATERMARKS) | (flags & ALLOC_KSWAPD);
            return getPageFromFreelist(gfp, order, reserve, highest, mt);
        }
        return NO_PAGE;
    }

    private int allocFlagsCma(int gfp, int flags) {
        if (options.cmaConfigured() && MigrateType.of(gfp) == MigrateType.MOVABLE) {
            flags |= ALLOC_CMA;
        }
        return flags;
    }

    /** {@code get_page_from_freelist()}: the zonelist walk with watermark checks. */
    private long getPageFromFreelist(int gfp, int order, int flags, int highest, int mt) {
        while (true) {
            for (int i = highest; i >= 0; i--) {
                Zone z = zones[i];
                if (!z.populated()) {
                    continue;
                }
                long mark = z.wmark(flags & ALLOC_WMARK_MASK);
                if (!zoneWatermarkFast(z, order, mark, highest, flags, gfp)
                    && (flags & ALLOC_NO_WATERMARKS) == 0) {
                    continue;
                }
                long pfn = rmqueue(z, order, mt, flags);
                if (pfn != NO_PAGE) {
                    int aflags = ((gfp & Gfp.__GFP_ZERO) != 0 ? PageState.A_ZERO : 0)
                        | ((gfp & Gfp.__GFP_MOVABLE) != 0 ? PageState.A_MOVABLE : 0);
                    mem(pfn).state[off(pfn)] = PageState.alloc(order, aflags);
                    // zone_statistics(): one node, so every allocation is a local hit.
                    z.numaHit++;
                    z.numaLocal++;
                    if (order > 0 && (flags & ALLOC_HARDER) != 0) {
                        reserveHighatomicPageblock(z, pfn);
                    }
                    return pfn;
                }
            }
            if ((flags & ALLOC_NOFRAGMENT) != 0) {
                // Every zone was fragmented-or-empty for whole-pageblock steals: allow small ones.
                flags &= ~ALLOC_NOFRAGMENT;
                continue;
            }
            return NO_PAGE;
        }
    }

    /** {@code zone_watermark_fast()}. */
    private boolean zoneWatermarkFast(Zone z, int order, long mark, int highest, int flags, int gfp) {
        long free = z.freePages;
        if (order == 0) {
            long reserved = unusableFree(z, 0, flags);
            long usable = free - Math.min(free, reserved);
            if (usable > mark + z.lowmemReserve[highest]) {
                return true;
            }
        }
        if (zoneWatermarkOk(z, order, mark, highest, flags, free)) {
            return true;
        }
        if (order == 0 && (gfp & Gfp.__GFP_ATOMIC) != 0 && z.watermarkBoost != 0
            && (flags & ALLOC_WMARK_MASK) == ALLOC_WMARK_MIN) {
            return zoneWatermarkOk(z, order, z.wmarkMin, highest, flags, free);
        }
        return false;
    }

    /** {@code __zone_watermark_unusable_free()}. */
    private long unusableFree(Zone z, int order, int flags) {
        long unusable = (1L << order) - 1;
        if ((flags & ALLOC_HARDER) == 0) {
            unusable += z.nrReservedHighatomic;
        }
        if ((flags & ALLOC_CMA) == 0) {
            unusable += z.freeCma;
        }
        return unusable;
    }

    /** {@code __zone_watermark_ok()}. */
    private boolean zoneWatermarkOk(Zone z, int order, long mark, int highest, int flags, long free) {
        long min = mark;
        boolean harder = (flags & ALLOC_HARDER) != 0;
        free -= unusableFree(z, order, flags);
        if ((flags & ALLOC_HIGH) != 0) {
            min -= min / 2;
        }
        if (harder) {
            min -= min / 4;
        }
        if (free <= min + z.lowmemReserve[highest]) {
            return false;
        }
        if (order == 0) {
            return true;
        }
        for (int o = order; o < MAX_ORDER; o++) {
            if (z.nrFree[o] == 0) {
                continue;
            }
            for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
                if (!lists.isEmpty(lists.head(z.index, o, mt))) {
                    return true;
                }
            }
            if ((flags & ALLOC_CMA) != 0 && !lists.isEmpty(lists.head(z.index, o, MT_CMA))) {
                return true;
            }
            if (harder && !lists.isEmpty(lists.head(z.index, o, MT_HIGHATOMIC))) {
                return true;
            }
        }
        return false;
    }

    /** {@code rmqueue()} → {@code rmqueue_buddy()}: takes the block and does the accounting. */
    private long rmqueue(Zone z, int order, int mt, int flags) {
        long pfn = NO_PAGE;
        int taken = mt;
        if (order > 0 && (flags & ALLOC_HARDER) != 0) {
            pfn = rmqueueSmallest(z, order, MT_HIGHATOMIC);
            taken = MT_HIGHATOMIC;
        }
        if (pfn == NO_PAGE) {
            pfn = rmqueueTypes(z, order, mt, flags);
            taken = lastTakenMt;
        }
        if (pfn != NO_PAGE) {
            z.freePages -= 1L << order;
            if (taken == MT_CMA) {
                z.freeCma -= 1L << order;
            }
        }
        if (z.boostedFlag) {
            z.boostedFlag = false;
            wakeKswapd(z.index);
        }
        return pfn;
    }

    /** {@code __rmqueue()}: the migratetype policy, CMA balancing and fallback. */
    private long rmqueueTypes(Zone z, int order, int mt, int flags) {
        if ((flags & ALLOC_CMA) != 0 && z.freeCma > z.freePages / 2) {
            // Keep movable allocations from draining the regular pageblocks first.
            long pfn = rmqueueSmallest(z, order, MT_CMA);
            if (pfn != NO_PAGE) {
                lastTakenMt = MT_CMA;
                return pfn;
            }
        }
        while (true) {
            long pfn = rmqueueSmallest(z, order, mt);
            if (pfn != NO_PAGE) {
                lastTakenMt = mt;
                return pfn;
            }
            if ((flags & ALLOC_CMA) != 0) {
                pfn = rmqueueSmallest(z, order, MT_CMA);
                if (pfn != NO_PAGE) {
                    lastTakenMt = MT_CMA;
                    return pfn;
                }
            }
            if (!rmqueueFallback(z, order, mt, flags)) {
                return NO_PAGE;
            }
        }
    }

    /** {@code __rmqueue_smallest()} + {@code expand()}. */
    private long rmqueueSmallest(Zone z, int order, int mt) {
        for (int o = order; o < MAX_ORDER; o++) {
            int head = lists.head(z.index, o, mt);
            int id = lists.next(head);
            if (id == head) {
                continue;
            }
            if (lists.isRun(id)) {
                materialise(lists.runSection(id));
                id = lists.next(head);
            }
            long pfn = st.pfnOf(id);
            removeFree(z, pfn, o, mt);
            // Split: keep the lower half, the upper halves go to the heads of the lower lists.
            for (int h = o; h > order; ) {
                h--;
                addFree(z, pfn + (1L << h), h, mt, false);
            }
            mem(pfn).state[off(pfn)] = PageState.alloc(order, 0);
            return pfn;
        }
        return NO_PAGE;
    }

    /** {@code __rmqueue_fallback()}: steal from another type, largest block first. */
    private boolean rmqueueFallback(Zone z, int order, int startMt, int flags) {
        int minOrder = (flags & ALLOC_NOFRAGMENT) != 0 ? PAGEBLOCK_ORDER : order;
        int current;
        int fallbackMt = -1;
        boolean canSteal = false;
        boolean found = false;
        for (current = MAX_ORDER - 1; current >= minOrder; current--) {
            fallbackMt = findSuitableFallback(z, current, startMt);
            if (fallbackMt == -1) {
                continue;
            }
            canSteal = lastCanSteal;
            if (!canSteal && startMt == MT_MOVABLE && current > order) {
                // Cannot claim the pageblock: split the smallest block instead of the largest,
                // so a movable allocation does not fragment a big block of another type.
                for (current = order; current < MAX_ORDER; current++) {
                    fallbackMt = findSuitableFallback(z, current, startMt);
                    if (fallbackMt != -1) {
                        break;
                    }
                }
                canSteal = lastCanSteal;
            }
            found = true;
            break;
        }
        if (!found || fallbackMt == -1) {
            return false;
        }
        int head = lists.head(z.index, current, fallbackMt);
        int id = lists.next(head);
        if (lists.isRun(id)) {
            materialise(lists.runSection(id));
            id = lists.next(head);
        }
        stealSuitableFallback(z, st.pfnOf(id), current, fallbackMt, flags, startMt, canSteal);
        return true;
    }

    /** {@code find_suitable_fallback(area, order, mt, only_stealable = false, &can_steal)}. */
    private int findSuitableFallback(Zone z, int order, int mt) {
        lastCanSteal = false;
        if (z.nrFree[order] == 0) {
            return -1;
        }
        for (int fb : FALLBACKS[mt]) {
            if (lists.isEmpty(lists.head(z.index, order, fb))) {
                continue;
            }
            lastCanSteal = canStealFallback(order, mt);
            return fb;
        }
        return -1;
    }

    /** {@code can_steal_fallback()}. */
    private static boolean canStealFallback(int order, int startMt) {
        return order >= PAGEBLOCK_ORDER / 2 || startMt == MT_RECLAIMABLE || startMt == MT_UNMOVABLE;
    }

    /** {@code steal_suitable_fallback()}. */
    private void stealSuitableFallback(Zone z, long pfn, int currentOrder, int listMt, int flags, int startType,
        boolean wholeBlock) {
        int oldBlockType = pageblockMt(pfn);
        if (oldBlockType != MT_HIGHATOMIC) {
            if (currentOrder >= PAGEBLOCK_ORDER) {
                // Take ownership of every pageblock the block covers.
                for (int i = 0; i < 1 << (currentOrder - PAGEBLOCK_ORDER); i++) {
                    setPageblockMt(pfn + ((long) i << PAGEBLOCK_ORDER), startType);
                }
            } else {
                if (boostWatermark(z) && (flags & ALLOC_KSWAPD) != 0) {
                    z.boostedFlag = true;
                }
                if (wholeBlock) {
                    int freePages = moveFreepagesBlock(z, pfn, startType, true);
                    int movablePages = lastMovablePages;
                    if (freePages != 0) {
                        int alike;
                        if (startType == MT_MOVABLE) {
                            alike = movablePages;
                        } else if (oldBlockType == MT_MOVABLE) {
                            alike = PAGEBLOCK_NR_PAGES - (freePages + movablePages);
                        } else {
                            alike = 0;
                        }
                        if (freePages + alike >= (1 << (PAGEBLOCK_ORDER - 1))) {
                            setPageblockMt(pfn, startType);
                        }
                        return;
                    }
                }
            }
        }
        moveToFreeList(z, pfn, currentOrder, listMt, startType);
    }

    /** {@code boost_watermark()}. */
    private static boolean boostWatermark(Zone z) {
        if ((long) PAGEBLOCK_NR_PAGES * 4 > z.managed) {
            return false;
        }
        long maxBoost = Watermarks.multFrac(z.wmarkHigh, Watermarks.WATERMARK_BOOST_FACTOR, 10000);
        if (maxBoost == 0) {
            return false;
        }
        maxBoost = Math.max(PAGEBLOCK_NR_PAGES, maxBoost);
        z.watermarkBoost = Math.min(z.watermarkBoost + PAGEBLOCK_NR_PAGES, maxBoost);
        return true;
    }

    /** kswapd, instantaneous: it finds nothing to reclaim and clears boosts up to the zone index. */
    private void wakeKswapd(int highestIdx) {
        for (int i = 0; i <= highestIdx && i < zones.length; i++) {
            zones[i].watermarkBoost = 0;
        }
    }

    /** {@code reserve_highatomic_pageblock()}: high-order atomic allocations keep a reserve. */
    private void reserveHighatomicPageblock(Zone z, long pfn) {
        long maxManaged = z.managed / 100 + PAGEBLOCK_NR_PAGES;
        if (z.nrReservedHighatomic >= maxManaged) {
            return;
        }
        int mt = pageblockMt(pfn);
        if (mt < MIGRATE_PCPTYPES) {
            z.nrReservedHighatomic += PAGEBLOCK_NR_PAGES;
            setPageblockMt(pfn, MT_HIGHATOMIC);
            moveFreepagesBlock(z, pfn, MT_HIGHATOMIC, false);
        }
    }

    /**
     * {@code move_freepages_block()}: every free block of pfn's pageblock goes to the tail of
     * {@code mt}'s list; returns the pages moved and leaves the pages of movable allocations
     * in {@link #lastMovablePages}. Zero when the pageblock's end is outside the zone.
     */
    private int moveFreepagesBlock(Zone z, long pfn, int mt, boolean countMovable) {
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

    @Override
    public synchronized void freePages(long pfn, int order) {
        String why = whyNotFreeable(pfn, order);
        if (why != null) {
            throw new IllegalArgumentException(String.format("__free_pages(pfn %#x, order %d): %s", pfn, order, why));
        }
        Zone z = zones[zoneIndexOfPresent(pfn)];
        freeOneBlock(z, pfn, order, pageblockMt(pfn), false);
        flushDematerialise();
    }

    /** The misuse rules of {@link #freePages}; null when the call is legal. */
    private String whyNotFreeable(long pfn, int order) {
        if (order < 0 || order >= MAX_ORDER) {
            return "order must be 0.." + (MAX_ORDER - 1) + " (MAX_ORDER is " + MAX_ORDER + ")";
        }
        if (zoneIndexSpanning(pfn) < 0) {
            return "the pfn is outside every zone";
        }
        if (!isPresent(pfn)) {
            return "the pfn is in a memory hole (no page there)";
        }
        int s = st.sectionOf(pfn);
        byte kind = st.kind[s];
        if (kind == SectionTable.RESERVED) {
            return "the page is reserved: it was never handed to the page allocator";
        }
        if (kind == SectionTable.FREE_RUN) {
            long head = pfn & ~(long) (MAX_BLOCK - 1);
            return String.format("double free: the page is already free, inside the free order-%d block at pfn %#x",
                MAX_ORDER - 1, head);
        }
        MemSection m = st.mem[s];
        byte state = m.state[off(pfn)];
        if (PageState.isAlloc(state)) {
            int have = PageState.order(state);
            return have == order ? null
                : String.format("wrong order: the block at this pfn was allocated with order %d", have);
        }
        if (PageState.isFree(state)) {
            return String.format("double free: the pfn heads a free order-%d block", PageState.order(state));
        }
        if (state == PageState.RESERVED) {
            return "the page is reserved: it was never handed to the page allocator";
        }
        if (state == PageState.HOLE) {
            return "the pfn is in a memory hole (no page there)";
        }
        for (int o = 1; o < MAX_ORDER; o++) {
            long head = pfn & -(1L << o);
            byte hs = m.state[off(head)];
            if (PageState.isHead(hs) && PageState.order(hs) >= o) {
                if (PageState.isFree(hs)) {
                    return String.format("double free: the page lies inside the free order-%d block at pfn %#x",
                        PageState.order(hs), head);
                }
                return String.format("not the head of an allocated block: the page lies inside the "
                    + "allocated order-%d block at pfn %#x", PageState.order(hs), head);
            }
        }
        return "the page belongs to no block";
    }

    // ------------------------------------------------------------------------------------------
    // CMA support: alloc_contig_range / free_contig_range

    /**
     * {@code alloc_contig_range(start, end, MIGRATE_CMA)}: takes the pages [startPfn, endPfn)
     * out of the free lists as individually allocated order-0 pages (each later freed with
     * {@code freePages(pfn, 0)} or {@link #freeContigRange}). The pageblocks are isolated while
     * it works, free blocks straddling the range are split, and the parts of taken blocks
     * outside the range are freed back, all as 6.1 does.
     *
     * @return 0, or {@code -EBUSY} when a page in the range is not free (the allocator cannot
     *     migrate pages away); a busy attempt changes nothing
     * @throws IllegalArgumentException when the range is empty, leaves one zone, or covers a
     *     pageblock that is not MIGRATE_CMA
     */
    @Override
    public synchronized int allocContigRange(long startPfn, long endPfn) {
        if (startPfn >= endPfn || startPfn < 0) {
            throw new IllegalArgumentException(String.format(
                "alloc_contig_range([%#x, %#x)): the range is empty", startPfn, endPfn));
        }
        long isoStart = startPfn & ~(long) (PAGEBLOCK_NR_PAGES - 1);
        long isoEnd = (endPfn + PAGEBLOCK_NR_PAGES - 1) & ~(long) (PAGEBLOCK_NR_PAGES - 1);
        int zi = zoneIndexSpanning(isoStart);
        if (zi < 0 || !zones[zi].spans(isoEnd - 1)) {
            throw new IllegalArgumentException(String.format(
                "alloc_contig_range([%#x, %#x)): its pageblocks [%#x, %#x) must lie in one zone",
                startPfn, endPfn, isoStart, isoEnd));
        }
        for (long pb = isoStart; pb < isoEnd; pb += PAGEBLOCK_NR_PAGES) {
            int mt = pageblockMt(pb);
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
            materialise(s);
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
            if (PageState.isFree(mem(outerStart).state[off(outerStart)])) {
                break;
            }
            if (++o >= MAX_ORDER) {
                outerStart = startPfn;
                break;
            }
            outerStart &= -(1L << o);
        }
        if (outerStart != startPfn) {
            int o = PageState.order(mem(outerStart).state[off(outerStart)]);
            if (outerStart + (1L << o) <= startPfn) {
                outerStart = startPfn;
            }
        }
        // isolate_freepages_range(): take whole free blocks, split into order-0 pages.
        long pfn = outerStart;
        while (pfn < endPfn) {
            MemSection m = mem(pfn);
            byte s = m.state[off(pfn)];
            int o = PageState.order(s);
            removeFree(z, pfn, o, PageState.freeMigratetype(s));
            for (int i = 0; i < 1 << o; i++) {
                m.state[off(pfn) + i] = PageState.alloc(0, 0);
            }
            pfn += 1L << o;
        }
        long outerEnd = pfn;
        for (long p = outerStart; p < startPfn; p++) {
            freeOneBlock(z, p, 0, pageblockMt(p), false);
        }
        for (long p = endPfn; p < outerEnd; p++) {
            freeOneBlock(z, p, 0, pageblockMt(p), false);
        }
        for (long pb = isoStart; pb < isoEnd; pb += PAGEBLOCK_NR_PAGES) {
            unsetMigratetypeIsolate(z, pb, MT_CMA);
        }
        flushDematerialise();
        return 0;
    }

    /**
     * {@code free_contig_range(pfn, nr_pages)}: frees pages that {@link #allocContigRange} (or
     * order-0 allocations) produced, one order-0 free per page in ascending order.
     *
     * @throws IllegalArgumentException when any page is not an allocated order-0 page; nothing
     *     changes
     */
    @Override
    public synchronized void freeContigRange(long pfn, long nrPages) {
        if (nrPages <= 0) {
            throw new IllegalArgumentException("free_contig_range(pfn " + Long.toHexString(pfn) + ", "
                + nrPages + "): nr_pages must be positive");
        }
        for (long p = pfn; p < pfn + nrPages; p++) {
            String why = whyNotFreeable(p, 0);
            if (why != null) {
                throw new IllegalArgumentException(String.format(
                    "free_contig_range(pfn %#x, %d): page %#x: %s", pfn, nrPages, p, why));
            }
        }
        for (long p = pfn; p < pfn + nrPages; p++) {
            freeOneBlock(zones[zoneIndexOfPresent(p)], p, 0, pageblockMt(p), false);
        }
        flushDematerialise();
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
                byte hs = m.state[off(h)];
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
            pfn = head + (1L << PageState.order(m.state[off(head)]));
        }
        return true;
    }

    /** {@code set_migratetype_isolate()} for a CMA pageblock (never has unmovable pages). */
    private void setMigratetypeIsolate(Zone z, long pb) {
        int mt = pageblockMt(pb);
        if (mt == MT_ISOLATE) {
            return;
        }
        setPageblockMt(pb, MT_ISOLATE);
        int n = moveFreepagesBlock(z, pb, MT_ISOLATE, false);
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
            materialise(st.sectionOf(pfn));
            byte s = mem(pfn).state[off(pfn)];
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
        int mt = pageblockMt(pfn);
        if (mt != MT_ISOLATE) {
            z.freePages -= 1L << order;
            if (mt == MT_CMA) {
                z.freeCma -= 1L << order;
            }
        }
        removeFree(z, pfn, order, PageState.freeMigratetype(mem(pfn).state[off(pfn)]));
        long p = pfn;
        long end = pfn + (1L << order);
        while (p < end) {
            int fo = Math.min(p != 0 ? Long.numberOfTrailingZeros(p) : order, 63 - Long.numberOfLeadingZeros(splitOffset));
            freeOneBlock(z, p, fo, pageblockMt(p), false);
            p += 1L << fo;
            splitOffset -= 1L << fo;
            if (splitOffset == 0) {
                splitOffset = end - p;
            }
        }
    }

    /** {@code unset_migratetype_isolate()}. */
    private void unsetMigratetypeIsolate(Zone z, long pb, int mt) {
        if (pageblockMt(pb) != MT_ISOLATE) {
            return;
        }
        MemSection m = mem(pb);
        byte s = m.state[off(pb)];
        int isolatedOrder = -1;
        if (PageState.isFree(s)) {
            int o = PageState.order(s);
            if (o >= PAGEBLOCK_ORDER && o < MAX_ORDER - 1) {
                long buddy = pb ^ (1L << o);
                byte bs = m.state[off(buddy)];
                if (PageState.isFree(bs) && PageState.order(bs) == o && zoneIndexOfPresent(buddy) == z.index
                    && pageblockMt(buddy) != MT_ISOLATE) {
                    // A free pageblock next to a free buddy: isolate and re-free it so they merge.
                    removeFree(z, pb, o, PageState.freeMigratetype(s));
                    isolatedOrder = o;
                }
            }
        }
        if (isolatedOrder < 0) {
            int n = moveFreepagesBlock(z, pb, mt, false);
            z.freePages += n;
            if (mt == MT_CMA) {
                z.freeCma += n;
            }
        }
        setPageblockMt(pb, mt);
        if (isolatedOrder >= 0) {
            freeOneBlock(z, pb, isolatedOrder, mt, false);
        }
    }

    // ------------------------------------------------------------------------------------------
    // The free-list core

    /**
     * {@code __free_one_page()}: pages [pfn, pfn + 2^order) are owned by the caller (their
     * states are whatever; tails must be TAIL); merge upwards and link the result.
     */
    private void freeOneBlock(Zone z, long pfn, int order, int mt, boolean toTail) {
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
            noteDematerialiseCandidate(s);
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
    private void addFree(Zone z, long pfn, int order, int mt, boolean tail) {
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
    private void removeFree(Zone z, long pfn, int order, int listMt) {
        lists.unlink(st.idOf(pfn));
        z.nrFree[order]--;
        z.nrFreeByType[order][listMt]--;
        if (order == MAX_ORDER - 1) {
            mem(pfn).freeMaxOrderBlocks--;
        }
    }

    /** {@code move_to_free_list()}: to the tail of another type's list (6.1 uses list_move_tail). */
    private void moveToFreeList(Zone z, long pfn, int order, int fromMt, int toMt) {
        lists.unlink(st.idOf(pfn));
        lists.addTail(lists.head(z.index, order, toMt), st.idOf(pfn));
        z.nrFreeByType[order][fromMt]--;
        z.nrFreeByType[order][toMt]++;
        mem(pfn).state[off(pfn)] = PageState.free(toMt, order);
    }

    // ------------------------------------------------------------------------------------------
    // Sections: materialise / dematerialise

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
            for (int i = firstPieceEndingAfter(secStart); i < memStart.length && memStart[i] < secStart + SECTION_PAGES;
                i++) {
                int a = (int) (Math.max(memStart[i], secStart) - secStart);
                int b = (int) (Math.min(memEnd[i], secStart + SECTION_PAGES) - secStart);
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

    private void noteDematerialiseCandidate(int s) {
        if (dematCount == dematCandidates.length) {
            dematCandidates = Arrays.copyOf(dematCandidates, dematCount * 2);
        }
        dematCandidates[dematCount++] = s;
    }

    private void flushDematerialise() {
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

    // ------------------------------------------------------------------------------------------
    // Boot helpers

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
            MemSection m = materialise(s);
            int off = off(pfn);
            Arrays.fill(m.state, off, off + (1 << order), PageState.TAIL);
            z.managed += 1L << order;
            freeOneBlock(z, pfn, order, pageblockMt(pfn), true);
            pfn += 1L << order;
        }
    }

    private void releaseReservedPage(long pfn, boolean toTail) {
        Zone z = zones[zoneIndexOfPresent(pfn)];
        materialise(st.sectionOf(pfn));
        z.managed++;
        freeOneBlock(z, pfn, 0, pageblockMt(pfn), toTail);
    }

    /** Every page of [start, end) must be a reserved present page; otherwise explain the first. */
    private void checkReservedRange(String op, long start, long end) {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException(String.format("%s([%#x, %#x)): the range is empty", op, start, end));
        }
        long pfn = start;
        while (pfn < end) {
            if (zoneIndexSpanning(pfn) < 0 || !st.inTable(pfn)) {
                throw new IllegalArgumentException(String.format(
                    "%s([%#x, %#x)): pfn %#x is outside every zone", op, start, end, pfn));
            }
            int piece = pieceIndex(pfn);
            if (piece < 0) {
                throw new IllegalArgumentException(String.format(
                    "%s([%#x, %#x)): pfn %#x is not present memory (a hole)", op, start, end, pfn));
            }
            int s = st.sectionOf(pfn);
            long stop = Math.min(Math.min(end, memEnd[piece]), st.sectionStartPfn(s) + SECTION_PAGES);
            byte kind = st.kind[s];
            if (kind == SectionTable.FREE_RUN) {
                throw new IllegalArgumentException(String.format(
                    "%s([%#x, %#x)): pfn %#x already belongs to the allocator (it is free)", op, start, end, pfn));
            }
            if (kind == SectionTable.MATERIALISED) {
                MemSection m = st.mem[s];
                for (long p = pfn; p < stop; p++) {
                    byte state = m.state[off(p)];
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
        byte s = m.state[off(pfn)];
        if (s != PageState.TAIL) {
            return PageState.describe(s);
        }
        for (int o = 1; o < MAX_ORDER; o++) {
            long head = pfn & -(1L << o);
            byte hs = m.state[off(head)];
            if (PageState.isHead(hs) && PageState.order(hs) >= o) {
                return String.format("inside the %s block at pfn %#x", PageState.describe(hs), head);
            }
        }
        return "tail page";
    }

    // ------------------------------------------------------------------------------------------
    // Lookups

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

    private void setPageblockMt(long pfn, int mt) {
        materialise(st.sectionOf(pfn)).pageblockMt[off(pfn) >>> PAGEBLOCK_ORDER] = (byte) mt;
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

    private int typeIndex(ZoneType t) {
        for (Zone z : zones) {
            if (z.type == t) {
                return z.index;
            }
        }
        return -1;
    }

    /** The index of zone t, or of the highest configured zone below it. */
    private int zoneIndexAtMost(ZoneType t) {
        int best = -1;
        for (Zone z : zones) {
            if (z.type.ordinal() <= t.ordinal()) {
                best = z.index;
            }
        }
        return best;
    }

    static String mtName(int mt) {
        return MigrateType.values()[mt].kernelName();
    }

    // ------------------------------------------------------------------------------------------
    // Warnings

    /** {@code warn_alloc()}'s first line, cpuset part included as the 6.1 kernel prints it. */
    private void warnAllocFailure(int gfp, int order) {
        if ((gfp & Gfp.__GFP_NOWARN) != 0) {
            return;
        }
        String mode = gfp == 0 ? "0" : "0x" + Integer.toHexString(gfp);
        warn(String.format("%s: page allocation failure: order:%d, mode:%s(%s), nodemask=(null),cpuset=/,"
            + "mems_allowed=%d", options.comm(), order, mode, Gfp.format(gfp), options.nodeId()));
    }

    private void warn(String line) {
        warnings.add(line);
        if (options.warningSink() != null) {
            options.warningSink().accept(line);
        }
    }

    /** Every warning line so far, oldest first. */
    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Returns and forgets the warning lines so far. */
    public synchronized List<String> drainWarnings() {
        List<String> out = List.copyOf(warnings);
        warnings.clear();
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Queries

    @Override
    public synchronized Optional<ZoneType> zoneOf(long pfn) {
        int z = zoneIndexOfPresent(pfn);
        return z < 0 ? Optional.empty() : Optional.of(zones[z].type);
    }

    @Override
    public synchronized long totalRamPages() {
        long sum = 0;
        for (Zone z : zones) {
            sum += z.managed;
        }
        return sum;
    }

    @Override
    public synchronized long freePages() {
        long sum = 0;
        for (Zone z : zones) {
            sum += z.freePages;
        }
        return sum;
    }

    @Override
    public synchronized List<ZoneDTO> zones() {
        List<ZoneDTO> out = new ArrayList<>();
        for (Zone z : zones) {
            ZoneDTO d = new ZoneDTO();
            d.node = options.nodeId();
            d.name = z.name();
            d.startPfn = z.startPfn;
            d.spanned = z.spanned;
            d.present = z.present;
            d.managed = z.managed;
            d.cma = z.cmaPages;
            d.free = z.freePages;
            d.freeCma = z.freeCma;
            d.min = z.wmark(0);
            d.low = z.wmark(1);
            d.high = z.wmark(2);
            d.protection = z.lowmemReserve.clone();
            d.freeBlocks = z.nrFree.clone();
            out.add(d);
        }
        return Collections.unmodifiableList(out);
    }

    /** Whether the allocation at pfn asked for __GFP_ZERO (false if pfn heads no allocation). */
    public synchronized boolean zeroRequested(long pfn) {
        byte s = stateOf(pfn);
        return PageState.isAlloc(s) && (PageState.allocFlags(s) & PageState.A_ZERO) != 0;
    }

    /** The order of the allocated block headed by pfn, or -1 if pfn heads no allocated block. */
    public synchronized int allocatedOrder(long pfn) {
        byte s = stateOf(pfn);
        return PageState.isAlloc(s) ? PageState.order(s) : -1;
    }

    /** The migratetype of pfn's pageblock. */
    public synchronized MigrateType pageblockMigratetype(long pfn) {
        return MigrateType.values()[pageblockMt(pfn)];
    }

    /** Sections whose per-page arrays exist now. */
    public synchronized int materialisedSections() {
        return st.materialised;
    }

    /** Sections of the node that hold any memory. */
    public synchronized int presentSections() {
        int n = 0;
        for (byte k : st.kind) {
            if (k != SectionTable.ABSENT) {
                n++;
            }
        }
        return n;
    }

    /** Bytes of allocator metadata: the section table plus the materialised sections' arrays. */
    public synchronized long metadataBytes() {
        return st.metadataBytes();
    }

    /** Metadata bytes per page of one materialised section (the 16-byte budget applies here). */
    public static double bytesPerMaterialisedPage() {
        return (double) MemSection.BYTES / MemSection.PAGES;
    }

    @Override
    public synchronized String buddyinfo() {
        return ProcFs.buddyinfo(this);
    }

    @Override
    public synchronized String pagetypeinfo() {
        return ProcFs.pagetypeinfo(this);
    }

    @Override
    public synchronized String zoneinfo() {
        return ProcFs.zoneinfo(this);
    }

    /** The pfns on one free list, head first (a run node expands to its 32 blocks). */
    synchronized List<Long> freeListPfns(ZoneType type, int order, MigrateType mt) {
        List<Long> out = new ArrayList<>();
        int zi = typeIndex(type);
        if (zi < 0) {
            return out;
        }
        int head = lists.head(zi, order, mt.ordinal());
        for (int id = lists.next(head); id != head; id = lists.next(id)) {
            if (lists.isRun(id)) {
                int s = lists.runSection(id);
                long base = st.sectionStartPfn(s);
                for (int i = 0; i < MemSection.MAX_ORDER_BLOCKS; i++) {
                    int b = st.runDescending[s] != 0 ? MemSection.MAX_ORDER_BLOCKS - 1 - i : i;
                    out.add(base + (long) b * MAX_BLOCK);
                }
            } else {
                out.add(st.pfnOf(id));
            }
        }
        return out;
    }

    /** Every free block as "pfn/order" strings in pfn order: the shape of free memory, list order aside. */
    synchronized List<String> freeBlockSet() {
        List<long[]> blocks = new ArrayList<>();
        for (Zone z : zones) {
            for (int o = 0; o < MAX_ORDER; o++) {
                for (MigrateType mt : MigrateType.values()) {
                    for (long pfn : freeListPfns(z.type, o, mt)) {
                        blocks.add(new long[] {pfn, o});
                    }
                }
            }
        }
        blocks.sort(Comparator.comparingLong(b -> b[0]));
        List<String> out = new ArrayList<>(blocks.size());
        for (long[] b : blocks) {
            out.add(Long.toHexString(b[0]) + "/" + b[1]);
        }
        return out;
    }

    synchronized Zone zone(ZoneType type) {
        int i = typeIndex(type);
        return i < 0 ? null : zones[i];
    }

    /** A complete, deterministic description of the allocator state (tests compare these). */
    public synchronized String dumpState() {
        return BuddyAudit.dump(this);
    }

    /**
     * Checks every structural invariant (list membership and order, counters, block tiling,
     * coalescing, page conservation) and throws IllegalStateException naming the first broken one.
     */
    public synchronized void checkInvariants() {
        BuddyAudit.check(this);
    }
}
