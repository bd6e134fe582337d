package org.dmasim.api.cma;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One CMA area ({@code struct cma}): a physically contiguous, pageblock-aligned range whose
 * pages the buddy allocator lends to movable allocations until {@link #alloc} claims them.
 *
 * <p>Thread safety: every method may be called from several threads. The bitmap is guarded by
 * the area's lock ({@code cma->lock}); {@code alloc_contig_range} calls of all areas of a
 * platform are serialised by one mutex ({@code cma_mutex}), as in {@code mm/cma.c}.
 *
 * <p>The views added in 1.1 are default methods so that test doubles written against 1.0 keep
 * compiling; the cma bundle implements all of them.
 */
@ProviderType
public interface CmaArea {
    /** "reserved" for the default area, the DT node name (with unit address) for device-tree areas. */
    String name();

    long basePfn();

    /** Pages in the area; 0 once an area failed activation. */
    long count();

    int orderPerBit();

    /** Activated at core_initcall: pageblocks are MIGRATE_CMA and in the buddy allocator. */
    boolean active();

    /**
     * {@code cma_alloc(cma, count, align, no_warn)} of Linux 6.1: first fit from bit 0 in the
     * bitmap, the start aligned to {@code 2^align} pages in physical pfn space, exactly
     * {@code count} pages taken with {@code alloc_contig_range} (which migrates movable pages
     * out); a busy range is given back and the search goes on past it. Failure logs
     * {@code cma: cma_alloc: <name>: alloc failed, req-size: <count> pages, ret: <err>}
     * (ratelimited, as {@code pr_err_ratelimited}) unless {@code noWarn}. Counts
     * CMA_ALLOC_SUCCESS/FAIL and the sysfs page counters.
     *
     * @return the first pfn, or -1 (NULL): for count 0, an inactive or dropped area, no fit,
     *     or a range that stayed busy
     * @throws IllegalArgumentException for a negative count or an align outside 0..63; nothing
     *     changes then
     */
    long alloc(long count, int align, boolean noWarn);

    /**
     * {@code cma_release(cma, pages, count)}: frees the pages to the buddy allocator
     * ({@code free_contig_range}) and clears their bitmap bits.
     *
     * @return false when {@code pfn} is not inside this area (the caller then frees elsewhere)
     * @throws IllegalArgumentException when the range runs past the area end (the kernel's
     *     VM_BUG_ON) or covers pages this area has not allocated (the kernel would free pages it
     *     does not own and corrupt the bitmap); nothing changes then
     */
    boolean release(long pfn, long count);

    /** Pages currently allocated: debugfs {@code used} (bitmap weight times 2^order_per_bit). */
    long used();

    /** debugfs {@code maxchunk}: the longest run of free pages in the bitmap. */
    default long maxchunk() {
        throw new UnsupportedOperationException("maxchunk is not supported by " + getClass().getName());
    }

    /** sysfs {@code alloc_pages_success}: pages handed out by successful cma_alloc calls. */
    default long allocPagesSuccess() {
        throw new UnsupportedOperationException("alloc_pages_success is not supported by " + getClass().getName());
    }

    /** sysfs {@code alloc_pages_fail}: pages asked for by failed cma_alloc calls. */
    default long allocPagesFail() {
        throw new UnsupportedOperationException("alloc_pages_fail is not supported by " + getClass().getName());
    }

    /**
     * The read-only files of {@code /sys/kernel/debug/cma/<name>/} in creation order
     * ({@code base_pfn}, {@code count}, {@code order_per_bit}, {@code used}, {@code maxchunk},
     * {@code bitmap}), each with the exact contents a read returns.
     */
    default Map<String, String> debugfs() {
        throw new UnsupportedOperationException("debugfs is not supported by " + getClass().getName());
    }

    /** {@code /sys/kernel/mm/cma/<name>/}: {@code alloc_pages_success}, {@code alloc_pages_fail}. */
    default Map<String, String> sysfs() {
        throw new UnsupportedOperationException("sysfs is not supported by " + getClass().getName());
    }
}
