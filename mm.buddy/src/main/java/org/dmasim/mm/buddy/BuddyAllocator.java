package org.dmasim.mm.buddy;

import java.util.List;
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
 * <li>Slow path: min watermark, halved for __GFP_HIGH, cut by a quarter for atomic requests
 *     (6.1: __GFP_ATOMIC; 6.12: __GFP_HIGH without __GFP_DIRECT_RECLAIM), which may also use
 *     HighAtomic reserves ({@link MmKernel}); __GFP_MEMALLOC ignores
 *     watermarks. No reclaim or compaction exists to help, so failure is final and warned
 *     unless __GFP_NOWARN.</li>
 * <li>In a zone ({@code rmqueue}): orders 0..3 and the pageblock order come from this CPU's
 *     per-cpu lists ({@link PcpLists}), refilled {@code batch} blocks at a time; otherwise, or
 *     when that fails, from the buddy lists: HighAtomic first for
 *     ALLOC_HIGHATOMIC order &gt; 0; CMA first when ALLOC_CMA and free CMA exceeds half the zone's free pages;
 *     then the smallest order of the wanted type (taking the list head and splitting: the
 *     upper halves go to the heads of the lower lists); then CMA; then steal from the
 *     fallback types, largest block first, claiming whole pageblocks as 6.1 does.</li>
 * </ol>
 *
 * <h2>Where things are (named after the kernel files that hold them)</h2>
 * This class is the public face: it takes the zone lock and delegates.
 * <ul>
 * <li>{@link Node} ({@code struct pglist_data}): zones, present memory, free lists and what every
 *     path shares ({@code __free_one_page}, list moves, pfn lookups); {@link Sparse} materialises
 *     and folds sections.</li>
 * <li>{@link MmInit} ({@code mm/mm_init.c}): building the node and the boot hand-over.</li>
 * <li>{@link PageAlloc}, {@link Rmqueue}, {@link PageFree}, {@link PcpLists}
 *     ({@code mm/page_alloc.c}): allocation, the free lists' policy, freeing, per-cpu lists;
 *     {@link AllocFlags} ({@code mm/internal.h}): alloc_flags from GFP flags.</li>
 * <li>{@link ContigRange} ({@code alloc_contig_range}), {@link PageIsolation}
 *     ({@code mm/page_isolation.c}), {@link Migration} ({@code mm/migrate.c}).</li>
 * <li>{@link Watermarks} and {@link MinFreeKbytes}: the reserves; {@link WarnAlloc}:
 *     {@code warn_alloc} and friends.</li>
 * <li>{@link Vmstat} ({@code mm/vmstat.c}) and {@link Meminfo} ({@code fs/proc/meminfo.c}): the
 *     views; {@link BuddyAudit}: dumps and checks the whole state.</li>
 * </ul>
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
 * that reads or changes allocator state is {@code synchronized} (the warning lines have their
 * own lock); the views and audits read the pcp lists without their locks, so their numbers are
 * exact only while no other thread allocates.
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
    /** NR_PAGE_ORDERS (6.1's MAX_ORDER): orders 0..{@link MmKernel#MAX_PAGE_ORDER}. */
    static final int MAX_ORDER = MmKernel.MAX_PAGE_ORDER + 1;
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
    private final MmInit init;
    private final PageAlloc pageAlloc;
    private final PageFree pageFree;
    private final PcpLists pcp;
    private final ContigRange contig;
    private final Migration migration;
    private final MinFreeKbytes minFree;
    private final WarnAlloc warn;

    private BuddyAllocator(Node node) {
        this.node = node;
        this.options = node.options;
        this.zones = node.zones;
        this.st = node.st;
        this.lists = node.lists;
        // This object's monitor is zone->lock for every zone.
        Rmqueue rmqueue = new Rmqueue(node, this);
        this.warn = new WarnAlloc(zones, options);
        this.pageAlloc = new PageAlloc(node, this, rmqueue, warn);
        this.pcp = new PcpLists(node, this, rmqueue);
        rmqueue.pcp = pcp;
        pageAlloc.pcp = pcp;
        this.migration = new Migration(node, pageAlloc, warn);
        pageAlloc.migration = migration;
        this.pageFree = new PageFree(node, this, pcp, migration);
        this.contig = new ContigRange(node, this, pcp, migration);
        this.init = new MmInit(node);
        this.minFree = new MinFreeKbytes(node, pcp, warn);
    }

    // ------------------------------------------------------------------------------------------
    // Construction and boot (MmInit, MinFreeKbytes)

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
        return new BuddyAllocator(MmInit.buildNode(zones, memory, options));
    }

    /**
     * {@code memblock_free_all()} for one free range: split at zone boundaries, then into the
     * largest naturally aligned blocks of at most order 10, each freed to the list tail
     * (FPI_TO_TAIL) and counted as managed. Whole free sections do not materialise.
     *
     * @throws IllegalArgumentException when any page of the range is not a reserved present
     *     page (a hole, outside every zone, or already given to the allocator); nothing changes
     */
    @Override
    public synchronized void freeBootMemory(long startPfn, long endPfn) {
        init.freeBootMemory(startPfn, endPfn);
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
        init.initCmaReservedPageblock(pfn);
    }

    /**
     * {@code init_per_zone_wmark_min()}: min_free_kbytes (unless the user set it), watermarks,
     * lowmem reserves, totalreserve_pages and the pcp sizes. Call once boot freeing and CMA
     * activation are done (and again whenever managed pages change a lot).
     */
    public synchronized void setupPerZoneWmarks() {
        minFree.initPerZoneWmarkMin();
    }

    /** {@code calculate_totalreserve_pages()}: recomputes and returns {@code totalreserve_pages}. */
    public synchronized long calculateTotalReserves() {
        return minFree.calculateTotalReserves();
    }

    /** The {@code vm.min_free_kbytes} sysctl: sets the value and re-runs the watermark setup. */
    public synchronized void setMinFreeKbytes(int kbytes) {
        minFree.set(kbytes);
    }

    public synchronized int minFreeKbytes() {
        return minFree.value();
    }

    public synchronized long totalReservePages() {
        return minFree.totalReservePages();
    }

    /**
     * Attaches the platform's RAM contents: from now on __GFP_ZERO blocks are zero-filled and
     * migrations copy the blocks' bytes. Null detaches.
     */
    public void attachMemory(PhysMemory memory) {
        node.memory = memory;
    }

    /** The attached RAM contents, if any. */
    public Optional<PhysMemory> memory() {
        return Optional.ofNullable(node.memory);
    }

    // ------------------------------------------------------------------------------------------
    // Run time: alloc_pages / __free_pages (PageAlloc, PageFree, PcpLists)

    /**
     * {@code alloc_pages(gfp, order)}. Orders 0..3 (and the pageblock order) are served from
     * the calling thread's simulated CPU's pcp lists when they can be; see the class essay.
     */
    @Override
    public long allocPages(int gfp, int order) {
        if (order < 0) {
            throw new IllegalArgumentException("alloc_pages: order " + order + " is negative");
        }
        return pageAlloc.allocPages(gfp, order, null);
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
                + "an owner must be movable: gfp lacks __GFP_MOVABLE", gfp, options.kernel().formatGfp(gfp), order));
        }
        if (owner == null) {
            throw new IllegalArgumentException("alloc_pages(owner = null): a movable owner is required");
        }
        return pageAlloc.allocPages(gfp, order, owner);
    }

    /**
     * {@code __free_pages(page, order)}: pcp orders go to this CPU's pcp list
     * ({@code free_unref_page}), larger blocks to the buddy lists.
     *
     * @throws IllegalArgumentException naming the misuse (double free, wrong order, reserved
     *     page, hole, not a block head); nothing changes
     */
    @Override
    public void freePages(long pfn, int order) {
        pageFree.freePages(pfn, order);
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

    // ------------------------------------------------------------------------------------------
    // CMA support: alloc_contig_range / free_contig_range (ContigRange, Migration)

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
        return contig.allocContigRange(startPfn, endPfn);
    }

    @Override
    public synchronized MigrationStats migrationStats() {
        return migration.stats();
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
        pageFree.freeContigRange(pfn, nrPages);
    }

    // ------------------------------------------------------------------------------------------
    // Warnings (WarnAlloc)

    /**
     * Where warning lines go as they happen (the platform log), besides {@link #warnings()};
     * null stops forwarding. Replaces the sink given in {@link BuddyOptions}.
     */
    public void setWarningSink(Consumer<String> sink) {
        warn.setSink(sink);
    }

    /** Every warning line so far, oldest first. */
    public List<String> warnings() {
        return warn.lines();
    }

    /** Returns and forgets the warning lines so far. */
    public List<String> drainWarnings() {
        return warn.drain();
    }

    // ------------------------------------------------------------------------------------------
    // Queries and views (Vmstat, Meminfo, BuddyAudit)

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
        return Vmstat.zones(node);
    }

    /** The {@code /proc/meminfo} lines this allocator owns (see {@link Meminfo}). */
    @Override
    public synchronized String meminfo() {
        return Meminfo.render(node);
    }

    @Override
    public synchronized String buddyinfo() {
        return Vmstat.buddyinfo(node);
    }

    @Override
    public synchronized String pagetypeinfo() {
        return Vmstat.pagetypeinfo(node);
    }

    @Override
    public synchronized String zoneinfo() {
        return Vmstat.zoneinfo(node);
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

    static String mtName(int mt) {
        return MigrateType.values()[mt].kernelName();
    }

    /** The pfns on one free list, head first (a run node expands to its 32 blocks). */
    synchronized List<Long> freeListPfns(ZoneType type, int order, MigrateType mt) {
        return BuddyAudit.freeListPfns(node, type, order, mt);
    }

    /** Every free block as "pfn/order" strings in pfn order: the shape of free memory, list order aside. */
    synchronized List<String> freeBlockSet() {
        return BuddyAudit.freeBlockSet(node);
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
