package org.dmasim.mm.buddy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.dmasim.api.dto.ZoneDTO;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MigrateType;
import org.dmasim.api.mm.MigrationStats;
import org.dmasim.api.mm.MovablePageOwner;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.SimCpu;

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
 * <li>In a zone ({@code rmqueue}): orders 0..3 and the pageblock order come from this CPU's
 *     per-cpu lists ({@link PcpLists}), refilled {@code batch} blocks at a time; otherwise, or
 *     when that fails, from the buddy lists: HighAtomic first for ALLOC_HARDER
 *     order &gt; 0; CMA first when ALLOC_CMA and free CMA exceeds half the zone's free pages;
 *     then the smallest order of the wanted type (taking the list head and splitting: the
 *     upper halves go to the heads of the lower lists); then CMA; then steal from the
 *     fallback types, largest block first, claiming whole pageblocks as 6.1 does.</li>
 * </ol>
 *
 * <h2>Where things are</h2>
 * This class is the public face (construction, boot hand-over, misuse checks, queries).
 * {@link Node} holds the zones, sections and free lists and does what every path shares
 * ({@code __free_one_page}, list moves, materialising); {@link PageAlloc} is the allocation
 * path; {@link ContigRange} is {@code alloc_contig_range} for CMA; {@link Watermarks} sizes the
 * reserves; {@link ProcFs} renders /proc; {@link BuddyAudit} dumps and checks the whole state.
 *
 * <h2>Per-cpu lists and locking</h2>
 * Each populated zone has one {@link PerCpuPages} per simulated CPU ({@link SimCpu#current()}
 * modulo the CPU count). Frees of pcp orders go to the head of the CPU's list and drain back
 * in bulk past {@code high}; pcp pages are outside NR_FREE_PAGES, as in the kernel. This
 * object's monitor plays {@code zone->lock} for every zone. {@link #allocPages} and
 * {@link #freePages} take it only when they reach the buddy lists: a thread alone on its
 * simulated CPU does an order-0 alloc/free pair with one uncontended compare-and-set each
 * (the pcp try-lock). Lock order is pcp lock, then zone lock; the only blocking pcp lock is
 * {@link #drainAllPages}, never called with the zone lock held. Every other public method
 * is {@code synchronized}; the views and audits read the pcp lists without their locks, so
 * their numbers are exact only while no other thread allocates.
 *
 * <h2>Movable owners, migration, contents</h2>
 * {@link #allocPages(int, int, MovablePageOwner)} records an owner per movable block; only
 * such blocks can be migrated by {@link #allocContigRange} (see {@link ContigRange}). With a
 * {@link PhysMemory} attached, __GFP_ZERO blocks are zero-filled and migrations copy contents.
 *
 * <p>What is not modelled, on purpose: reclaim, compaction, kswapd (modelled as waking,
 * reclaiming nothing and clearing watermark boost at once), the OOM killer, page shuffling,
 * deferred struct page init, the warn_alloc rate limit (10 s, burst 1: a simulator has no
 * meaningful clock, so every failure is reported) and more than one NUMA node.
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

    static final int SECTION_PAGES = MemSection.PAGES;
    static final int MAX_BLOCK = 1 << (MAX_ORDER - 1);

    final BuddyOptions options;
    /** The node: zones, present memory, sections, free lists and their mechanics. */
    final Node node;
    /** Aliases of the node's, for the views and the tests. */
    final Zone[] zones;
    final SectionTable st;
    final FreeLists lists;
    private final PageAlloc pageAlloc;
    private final PcpLists pcp;
    private final ContigRange contig;
    /** Highest zone index for each combination of the four zone-modifier bits; -2 = invalid. */
    private final int[] gfpZoneIndex = new int[16];
    private final int normalIdx;
    private final boolean hasDma;
    private final boolean hasDma32;

    private int minFreeKbytes;
    /** {@code user_min_free_kbytes}: -1 until the user sets the sysctl. */
    private int userMinFreeKbytes;
    private long totalReservePages;
    private final List<String> warnings = new ArrayList<>();
    private volatile Consumer<String> warningSink;
    /** WARN_ON_ONCE_GFP(order >= MAX_ORDER): fired already. */
    private boolean warnedMaxOrder;

    private volatile PhysMemory memory;
    /** Owners of movable blocks by head pfn (zone lock). */
    private final Map<Long, MovablePageOwner> owners = new HashMap<>();
    private long migBlocks;
    private long migPages;
    private long migBytes;
    private long migFailures;
    private long migNanos;

    private BuddyAllocator(Node node) {
        this.node = node;
        this.options = node.options;
        this.zones = node.zones;
        this.st = node.st;
        this.lists = node.lists;
        this.pageAlloc = new PageAlloc(node, this);
        this.pcp = new PcpLists(node, this, pageAlloc);
        pageAlloc.pcp = pcp;
        this.contig = new ContigRange(node, this);
        this.warningSink = options.warningSink();
        this.hasDma = node.typeIndex(ZoneType.DMA) >= 0;
        this.hasDma32 = node.typeIndex(ZoneType.DMA32) >= 0;
        for (int bits = 0; bits < 16; bits++) {
            try {
                gfpZoneIndex[bits] = node.zoneIndexAtMost(Gfp.zone(bits, hasDma, hasDma32));
            } catch (IllegalArgumentException e) {
                gfpZoneIndex[bits] = -2;
            }
        }
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
        return new BuddyAllocator(new Node(options, zs, ms, me, mz, st));
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
            Zone z = zones[node.zoneIndexOfPresent(pfn)];
            long segEnd = Math.min(endPfn, z.endPfn());
            freeBootSegment(z, pfn, segEnd);
            pfn = segEnd;
        }
        node.flushDematerialise();
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
        node.flushDematerialise();
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
        node.flushDematerialise();
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
        Zone z = zones[node.zoneIndexOfPresent(pfn)];
        if (!z.spans(pfn + PAGEBLOCK_NR_PAGES - 1)) {
            throw new IllegalArgumentException(String.format(
                "initCmaReservedPageblock(pfn %#x): the pageblock crosses the end of zone %s", pfn, z.name()));
        }
        MemSection m = node.materialise(st.sectionOf(pfn));
        int off = node.off(pfn);
        m.pageblockMt[off >>> PAGEBLOCK_ORDER] = (byte) MT_CMA;
        Arrays.fill(m.state, off, off + PAGEBLOCK_NR_PAGES, PageState.TAIL);
        z.managed += PAGEBLOCK_NR_PAGES;
        z.cmaPages += PAGEBLOCK_NR_PAGES;
        node.freeOneBlock(z, pfn, PAGEBLOCK_ORDER, MT_CMA, false);
        node.flushDematerialise();
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
        zonePcpUpdate();
    }

    /** setup_per_zone_wmarks() ends with zone_pcp_update() for every zone: high follows the low mark. */
    private void zonePcpUpdate() {
        for (Zone z : zones) {
            pcp.zonePcpUpdate(z);
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
        zonePcpUpdate();
    }

    public synchronized int minFreeKbytes() {
        return minFreeKbytes;
    }

    public synchronized long totalReservePages() {
        return totalReservePages;
    }

    // ------------------------------------------------------------------------------------------
    // Run time: alloc_pages / __free_pages

    /**
     * {@code alloc_pages(gfp, order)}. Orders 0..3 (and the pageblock order) are served from
     * the calling thread's simulated CPU's pcp lists when they can be; see the class essay.
     */
    @Override
    public long allocPages(int gfp, int order) {
        if (order < 0) {
            throw new IllegalArgumentException("alloc_pages: order " + order + " is negative");
        }
        return allocate(gfp, order, null);
    }

    /**
     * {@code alloc_pages()} of a movable block that {@link #allocContigRange} may migrate: the
     * owner is told the new pfn after the contents moved.
     *
     * @throws IllegalArgumentException when gfp lacks __GFP_MOVABLE, owner is null or the order
     *     is negative; nothing is allocated
     */
    @Override
    public long allocPages(int gfp, int order, MovablePageOwner owner) {
        if (order < 0) {
            throw new IllegalArgumentException("alloc_pages: order " + order + " is negative");
        }
        if ((gfp & Gfp.__GFP_MOVABLE) == 0) {
            throw new IllegalArgumentException(String.format("alloc_pages(%#x(%s), order %d, owner): a block with "
                + "an owner must be movable: gfp lacks __GFP_MOVABLE", gfp, Gfp.format(gfp), order));
        }
        if (owner == null) {
            throw new IllegalArgumentException("alloc_pages(owner = null): a movable owner is required");
        }
        return allocate(gfp, order, owner);
    }

    private long allocate(int gfp, int order, MovablePageOwner owner) {
        int highest = gfpZoneIndex[gfp & Gfp.GFP_ZONEMASK];
        if (highest == -2) {
            Gfp.zone(gfp, hasDma, hasDma32); // throws with the kernel's reason
        }
        if (order >= MAX_ORDER) {
            // WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp): the request can never be met.
            warnMaxOrder(gfp);
            return NO_PAGE;
        }
        int aflags = ((gfp & Gfp.__GFP_ZERO) != 0 ? PageState.A_ZERO : 0)
            | ((gfp & Gfp.__GFP_MOVABLE) != 0 ? PageState.A_MOVABLE : 0)
            | (owner != null ? PageState.A_OWNED : 0);
        long pfn = pageAlloc.alloc(gfp, order, highest, aflags);
        if (pfn == NO_PAGE) {
            warnAllocFailure(gfp, order);
            return NO_PAGE;
        }
        if (owner != null) {
            synchronized (this) {
                owners.put(pfn, owner);
            }
        }
        if ((gfp & Gfp.__GFP_ZERO) != 0) {
            // prep_new_page() -> kernel_init_pages(): the block reads as zeros.
            PhysMemory mem = memory;
            if (mem != null) {
                mem.fill(Page.pfnPhys(pfn), Page.PAGE_SIZE << order, (byte) 0);
            }
        }
        return pfn;
    }

    /**
     * {@code __free_pages(page, order)}: pcp orders go to this CPU's pcp list
     * ({@code free_unref_page}), larger blocks to the buddy lists.
     */
    @Override
    public void freePages(long pfn, int order) {
        if (order >= 0 && order < MAX_ORDER && st.inTable(pfn)) {
            int s = st.sectionOf(pfn);
            MemSection m = st.mem[s];
            if (m != null) {
                int off = node.off(pfn);
                byte state = m.state[off];
                if (PageState.isAlloc(state) && PageState.order(state) == order
                    && (PageState.allocFlags(state) & PageState.A_OWNED) == 0) {
                    int zi = st.singleZone[s];
                    freeThePage(zones[zi >= 0 ? zi : node.zoneIndexOfPresent(pfn)], pfn, order, m, off);
                    return;
                }
            }
        }
        freePagesChecked(pfn, order);
    }

    /** The slow free: misuse diagnostics, and owned blocks (serialised with migration). */
    private synchronized void freePagesChecked(long pfn, int order) {
        String why = whyNotFreeable(pfn, order);
        if (why != null) {
            throw new IllegalArgumentException(String.format("__free_pages(pfn %#x, order %d): %s", pfn, order, why));
        }
        owners.remove(pfn);
        int s = st.sectionOf(pfn);
        freeThePage(zones[node.zoneIndexOfPresent(pfn)], pfn, order, st.mem[s], node.off(pfn));
    }

    /** {@code free_the_page()}. */
    private void freeThePage(Zone z, long pfn, int order, MemSection m, int off) {
        if (PerCpuPages.allowedOrder(order)) {
            pcp.freeUnrefPage(z, pfn, order, m, off);
        } else {
            synchronized (this) {
                node.freeOneBlock(z, pfn, order, node.pageblockMt(pfn), false);
                node.flushDematerialise();
            }
        }
    }

    /**
     * {@code drain_all_pages(NULL)}: every CPU's pcp lists of every zone back to the buddy
     * lists. Must not be called while holding this allocator's monitor.
     *
     * @throws IllegalStateException when the calling thread holds the allocator's monitor
     */
    public void drainAllPages() {
        pcp.drainAllPages(null);
    }

    /** Pages on the pcp lists of every zone and CPU (not part of {@link #freePages()}). */
    public synchronized long pcpPages() {
        long n = 0;
        for (Zone z : zones) {
            n += z.pcpPages();
        }
        return n;
    }

    /** {@code pcp->count} of one zone's pageset on one CPU (0 for an unpopulated zone). */
    public synchronized int pcpCount(ZoneType type, int cpu) {
        Zone z = zone(type);
        return z == null || z.pcp.length == 0 ? 0 : z.pcp[cpu % z.pcp.length].count;
    }

    /** {@code pcp->high} of a zone (the same on every CPU); 0 before the watermarks are set up. */
    public synchronized int pcpHigh(ZoneType type) {
        Zone z = zone(type);
        return z == null || z.pcp.length == 0 ? 0 : z.pcp[0].high;
    }

    /** {@code pcp->batch} of a zone (the same on every CPU); 1 before the watermarks are set up. */
    public synchronized int pcpBatch(ZoneType type) {
        Zone z = zone(type);
        return z == null || z.pcp.length == 0 ? 0 : z.pcp[0].batch;
    }

    /** The misuse rules of {@link #freePages}; null when the call is legal. */
    private String whyNotFreeable(long pfn, int order) {
        if (order < 0 || order >= MAX_ORDER) {
            return "order must be 0.." + (MAX_ORDER - 1) + " (MAX_ORDER is " + MAX_ORDER + ")";
        }
        if (node.zoneIndexSpanning(pfn) < 0) {
            return "the pfn is outside every zone";
        }
        if (!node.isPresent(pfn)) {
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
        byte state = m.state[node.off(pfn)];
        if (PageState.isAlloc(state)) {
            int have = PageState.order(state);
            return have == order ? null
                : String.format("wrong order: the block at this pfn was allocated with order %d", have);
        }
        if (PageState.isFree(state)) {
            return String.format("double free: the pfn heads a free order-%d block", PageState.order(state));
        }
        if (PageState.isPcp(state)) {
            return String.format("double free: the pfn heads an order-%d block on a per-cpu free list",
                PageState.order(state));
        }
        if (state == PageState.RESERVED) {
            return "the page is reserved: it was never handed to the page allocator";
        }
        if (state == PageState.HOLE) {
            return "the pfn is in a memory hole (no page there)";
        }
        for (int o = 1; o < MAX_ORDER; o++) {
            long head = pfn & -(1L << o);
            byte hs = m.state[node.off(head)];
            if (PageState.isHead(hs) && PageState.order(hs) >= o) {
                if (PageState.isFree(hs) || PageState.isPcp(hs)) {
                    return String.format("double free: the page lies inside the free order-%d block at pfn %#x%s",
                        PageState.order(hs), head, PageState.isPcp(hs) ? " (on a per-cpu list)" : "");
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
     * it works, every CPU's pcp lists are drained, movable blocks with an owner are migrated out
     * of the range, free blocks straddling the range are split, and the parts of taken blocks
     * outside the range are freed back, all as 6.1 does.
     *
     * @return 0, or {@code -EBUSY} when the range holds an allocated block that cannot move
     *     (not movable, or movable without an owner: nothing changes then), when another
     *     alloc_contig_range holds a pageblock, or when a migration target cannot be allocated
     *     (blocks migrated before stay migrated, as in the kernel)
     * @throws IllegalArgumentException when the range is empty, leaves one zone, or covers a
     *     pageblock that is not MIGRATE_CMA
     * @throws IllegalStateException when the caller holds this allocator's monitor (the drain
     *     in the middle needs the pcp locks first)
     */
    @Override
    public int allocContigRange(long startPfn, long endPfn) {
        if (Thread.holdsLock(this)) {
            throw new IllegalStateException("alloc_contig_range: must not be called with the zone lock held");
        }
        Zone z;
        synchronized (this) {
            int ret = contig.begin(startPfn, endPfn);
            node.flushDematerialise();
            if (ret != 0) {
                migFailures++;
                return ret;
            }
            z = contig.zoneOf(startPfn);
        }
        pcp.drainAllPages(z);
        synchronized (this) {
            int ret = contig.finish(startPfn, endPfn);
            node.flushDematerialise();
            if (ret != 0) {
                migFailures++;
            }
            return ret;
        }
    }

    /** The registered owner of the movable block at pfn, or null. Zone lock held. */
    MovablePageOwner ownerOf(long pfn) {
        return owners.get(pfn);
    }

    /**
     * Migrates the owned block (pfn, order) out of the isolated range [isoStart, isoEnd): a
     * target block elsewhere, a copy of the contents, the owner told, the old block freed
     * (onto its isolated pageblock's list). Zone lock held. False when no target was found.
     */
    boolean migrateBlock(Zone z, long pfn, int order, long isoStart, long isoEnd) {
        long t0 = System.nanoTime();
        MovablePageOwner who = owners.get(pfn);
        int gfp = Gfp.GFP_USER | Gfp.__GFP_MOVABLE | Gfp.__GFP_RETRY_MAYFAIL;
        int aflags = PageState.A_MOVABLE | PageState.A_OWNED
            | (PageState.allocFlags(node.stateOf(pfn)) & PageState.A_ZERO);
        long target = pageAlloc.alloc(gfp & ~Gfp.__GFP_DIRECT_RECLAIM, order,
            node.zoneIndexAtMost(Gfp.zone(gfp, hasDma, hasDma32)), aflags);
        if (target == NO_PAGE) {
            warnAllocFailure(gfp, order);
            migNanos += System.nanoTime() - t0;
            return false;
        }
        if (target + (1L << order) > isoStart && target < isoEnd) {
            // Only possible when another thread freed a range page to a pcp list in the window
            // between its pageblock check and the isolation: give it back and report busy.
            node.freeOneBlock(zones[node.zoneIndexOfPresent(target)], target, order, node.pageblockMt(target), false);
            migNanos += System.nanoTime() - t0;
            return false;
        }
        PhysMemory mem = memory;
        long bytes = Page.PAGE_SIZE << order;
        if (mem != null) {
            mem.copy(Page.pfnPhys(target), Page.pfnPhys(pfn), bytes);
            migBytes += bytes;
        }
        owners.remove(pfn);
        owners.put(target, who);
        who.migrated(pfn, target, order);
        // The old block goes back onto its (isolated) pageblock's free list.
        node.freeOneBlock(zones[node.zoneIndexOfPresent(pfn)], pfn, order, node.pageblockMt(pfn), false);
        migBlocks++;
        migPages += 1L << order;
        migNanos += System.nanoTime() - t0;
        return true;
    }

    @Override
    public synchronized MigrationStats migrationStats() {
        return new MigrationStats(migBlocks, migPages, migBytes, migFailures, migNanos);
    }

    /**
     * {@code free_contig_range(pfn, nr_pages)}: frees pages that {@link #allocContigRange} (or
     * order-0 allocations) produced, one order-0 {@code __free_page} per page in ascending
     * order, so they pass through this CPU's pcp list like any order-0 free.
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
            owners.remove(p);
            int s = st.sectionOf(p);
            freeThePage(zones[node.zoneIndexOfPresent(p)], p, 0, st.mem[s], node.off(p));
        }
        node.flushDematerialise();
    }

    /**
     * Attaches the platform's RAM contents: from now on __GFP_ZERO blocks are zero-filled and
     * migrations copy the blocks' bytes. Null detaches.
     */
    public void attachMemory(PhysMemory memory) {
        this.memory = memory;
    }

    /** The attached RAM contents, if any. */
    public Optional<PhysMemory> memory() {
        return Optional.ofNullable(memory);
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
            MemSection m = node.materialise(s);
            int off = node.off(pfn);
            Arrays.fill(m.state, off, off + (1 << order), PageState.TAIL);
            z.managed += 1L << order;
            node.freeOneBlock(z, pfn, order, node.pageblockMt(pfn), true);
            pfn += 1L << order;
        }
    }

    private void releaseReservedPage(long pfn, boolean toTail) {
        Zone z = zones[node.zoneIndexOfPresent(pfn)];
        node.materialise(st.sectionOf(pfn));
        z.managed++;
        node.freeOneBlock(z, pfn, 0, node.pageblockMt(pfn), toTail);
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

    static String mtName(int mt) {
        return MigrateType.values()[mt].kernelName();
    }

    // ------------------------------------------------------------------------------------------
    // Warnings

    /**
     * {@code warn_alloc(gfp, NULL, "page allocation failure: order:%u", order)}: the first line
     * as 6.1 prints it with CONFIG_CPUSETS ({@code cpuset_print_current_mems_allowed} adds the
     * cpuset and mems_allowed parts). Skipped for __GFP_NOWARN, and for __GFP_DMA when no DMA
     * zone has managed pages ({@code has_managed_dma()}).
     */
    private void warnAllocFailure(int gfp, int order) {
        if ((gfp & Gfp.__GFP_NOWARN) != 0) {
            return;
        }
        if ((gfp & Gfp.__GFP_DMA) != 0 && !hasManagedDma()) {
            return;
        }
        String mode = gfp == 0 ? "0" : "0x" + Integer.toHexString(gfp);
        warn(String.format("%s: page allocation failure: order:%d, mode:%s(%s), nodemask=(null),cpuset=/,"
            + "mems_allowed=%d", options.comm(), order, mode, Gfp.format(gfp), options.nodeId()));
    }

    /** {@code has_managed_dma()}: false without CONFIG_ZONE_DMA. */
    private boolean hasManagedDma() {
        for (Zone z : zones) {
            if (z.type == ZoneType.DMA && z.managed > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp)} in {@code __alloc_pages()}: a one-time
     * WARNING splat (not warn_alloc), suppressed by __GFP_NOWARN. Its first line names the
     * simulated CPU; the kernel's source line number and code offsets are not reproduced.
     */
    private void warnMaxOrder(int gfp) {
        if ((gfp & Gfp.__GFP_NOWARN) != 0) {
            return;
        }
        synchronized (this) {
            if (warnedMaxOrder) {
                return;
            }
            warnedMaxOrder = true;
        }
        warn(String.format("WARNING: CPU: %d PID: 0 at mm/page_alloc.c __alloc_pages", pcp.cpu()));
    }

    private void warn(String line) {
        synchronized (this) {
            warnings.add(line);
        }
        Consumer<String> sink = warningSink;
        if (sink != null) {
            sink.accept(line);
        }
    }

    /**
     * Where warning lines go as they happen (the platform log), besides {@link #warnings()};
     * null stops forwarding. Replaces the sink given in {@link BuddyOptions}.
     */
    public void setWarningSink(Consumer<String> sink) {
        this.warningSink = sink;
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
        int z = node.zoneIndexOfPresent(pfn);
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

    /**
     * The {@code /proc/meminfo} lines this allocator owns, in the kernel's order and format
     * ({@code show_val_kb}: the label padded to 16 columns, the kB value right-aligned in 8):
     * MemTotal (totalram_pages), MemFree (NR_FREE_PAGES: pcp pages are not free there), and
     * with CONFIG_CMA CmaTotal (the pages handed over as CMA pageblocks) and CmaFree.
     */
    @Override
    public synchronized String meminfo() {
        long total = 0;
        long free = 0;
        long cmaTotal = 0;
        long cmaFree = 0;
        for (Zone z : zones) {
            total += z.managed;
            free += z.freePages;
            cmaTotal += z.cmaPages;
            cmaFree += z.freeCma;
        }
        StringBuilder sb = new StringBuilder();
        meminfoLine(sb, "MemTotal:", total);
        meminfoLine(sb, "MemFree:", free);
        if (options.cmaConfigured()) {
            meminfoLine(sb, "CmaTotal:", cmaTotal);
            meminfoLine(sb, "CmaFree:", cmaFree);
        }
        return sb.toString();
    }

    private static void meminfoLine(StringBuilder sb, String label, long pages) {
        sb.append(String.format("%-16s%8d kB\n", label, pages << (Page.PAGE_SHIFT - 10)));
    }

    /** Whether the allocation at pfn asked for __GFP_ZERO (false if pfn heads no allocation). */
    public synchronized boolean zeroRequested(long pfn) {
        byte s = node.stateOf(pfn);
        return PageState.isAlloc(s) && (PageState.allocFlags(s) & PageState.A_ZERO) != 0;
    }

    /** The order of the allocated block headed by pfn, or -1 if pfn heads no allocated block. */
    public synchronized int allocatedOrder(long pfn) {
        byte s = node.stateOf(pfn);
        return PageState.isAlloc(s) ? PageState.order(s) : -1;
    }

    /** The migratetype of pfn's pageblock. */
    public synchronized MigrateType pageblockMigratetype(long pfn) {
        return MigrateType.values()[node.pageblockMt(pfn)];
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

    /**
     * Bytes of allocator metadata: the section table, the materialised sections' arrays and the
     * per-cpu list buffers.
     */
    public synchronized long metadataBytes() {
        return st.metadataBytes() + pcpMetadataBytes();
    }

    /** The per-cpu list buffers' share of {@link #metadataBytes()}. */
    public synchronized long pcpMetadataBytes() {
        long b = 0;
        for (Zone z : zones) {
            for (PerCpuPages p : z.pcp) {
                b += p.metadataBytes();
            }
        }
        return b;
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
        int zi = node.typeIndex(type);
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
        int i = node.typeIndex(type);
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
