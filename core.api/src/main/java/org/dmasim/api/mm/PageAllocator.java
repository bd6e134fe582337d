package org.dmasim.api.mm;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.dto.ZoneDTO;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The buddy page allocator of one platform ({@code mm/page_alloc.c}). Pages are named by pfn.
 * Run-time calls follow the kernel's GFP rules; the two boot-time calls are how memblock and
 * CMA hand memory over, as {@code memblock_free_all()} and {@code init_cma_reserved_pageblock()} do.
 */
@ProviderType
public interface PageAllocator {
    /** Returned by {@link #allocPages} when nothing could be allocated. */
    long NO_PAGE = -1L;

    /**
     * {@code alloc_pages(gfp, order)}: the first pfn of a naturally aligned block of
     * {@code 2^order} pages, or {@link #NO_PAGE}.
     *
     * @throws IllegalArgumentException for an invalid GFP zone combination; order >= MAX_ORDER
     *     fails with NO_PAGE (and a warning unless __GFP_NOWARN), as in the kernel
     */
    long allocPages(int gfp, int order);

    /**
     * {@code __free_pages(page, order)}.
     *
     * @throws IllegalArgumentException when the block is not an allocated block of that order;
     *     the allocator is left unchanged
     */
    void freePages(long pfn, int order);

    /** The zone a pfn belongs to, if it is present memory. */
    Optional<ZoneType> zoneOf(long pfn);

    /** {@code totalram_pages()}: managed pages of all zones. */
    long totalRamPages();

    /** Free pages of all zones. */
    long freePages();

    /** One snapshot per zone in zone order, including empty zones. */
    List<ZoneDTO> zones();

    /** Boot: {@code memblock_free_all()} releases [startPfn, endPfn) to the allocator. */
    void freeBootMemory(long startPfn, long endPfn);

    /**
     * Boot: {@code init_cma_reserved_pageblock()}: a reserved pageblock becomes MIGRATE_CMA and
     * its pages are freed; they count as managed and as CMA pages of their zone.
     */
    void initCmaReservedPageblock(long pfn);

    /**
     * {@code alloc_contig_range(start, end, MIGRATE_CMA)}: takes the free pages [startPfn, endPfn)
     * (all in MIGRATE_CMA pageblocks of one zone) out of the allocator as individually allocated
     * order-0 pages, as {@code cma_alloc()} needs.
     *
     * @return 0, or {@code -EBUSY} (-16) when a page of the range is not free; a busy attempt
     *     changes nothing
     * @throws IllegalArgumentException for an empty range, one that leaves its zone, or one that
     *     covers a pageblock that is not MIGRATE_CMA
     */
    default int allocContigRange(long startPfn, long endPfn) {
        throw new UnsupportedOperationException("alloc_contig_range is not supported by " + getClass().getName());
    }

    /**
     * {@code free_contig_range(pfn, nr_pages)}: frees {@code nrPages} allocated order-0 pages
     * starting at {@code pfn}, one by one, as {@code cma_release()} does.
     *
     * @throws IllegalArgumentException when any of them is not an allocated order-0 page; the
     *     allocator is left unchanged
     */
    default void freeContigRange(long pfn, long nrPages) {
        throw new UnsupportedOperationException("free_contig_range is not supported by " + getClass().getName());
    }

    /**
     * {@code alloc_pages} of a movable block with the owner to tell when the block is migrated
     * (by {@code alloc_contig_range} for CMA). Blocks allocated with {@code __GFP_MOVABLE} but
     * without an owner cannot be migrated: they keep a CMA range busy, like a pinned page.
     *
     * @throws IllegalArgumentException when gfp lacks {@code __GFP_MOVABLE}
     */
    default long allocPages(int gfp, int order, MovablePageOwner owner) {
        throw new UnsupportedOperationException("movable owners are not supported by " + getClass().getName());
    }

    /**
     * {@code drain_all_pages(NULL)}: returns every per-CPU list's pages to the free areas, so
     * that {@link #freePages()} counts them again. A no-op for an allocator without pcp lists.
     */
    default void drainAllPages() {
    }

    /** Page migrations done so far ({@code alloc_contig_range} moving movable pages out). */
    default MigrationStats migrationStats() {
        return new MigrationStats(0, 0, 0, 0, 0);
    }

    /** {@code /proc/meminfo} lines this allocator owns (MemTotal, MemFree, CmaTotal, CmaFree ...). */
    default String meminfo() {
        throw new UnsupportedOperationException("meminfo is not supported by " + getClass().getName());
    }

    /** {@code /proc/buddyinfo}. */
    String buddyinfo();

    /** {@code /proc/pagetypeinfo}. */
    String pagetypeinfo();

    /** {@code /proc/zoneinfo}. */
    String zoneinfo();
}
