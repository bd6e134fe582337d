package org.dmasim.api.cma;

import org.osgi.annotation.versioning.ProviderType;

/** One CMA area ({@code struct cma}): a physically contiguous, pageblock-aligned range. */
@ProviderType
public interface CmaArea {
    /** "reserved" for the default area, the DT node name for device-tree areas. */
    String name();

    long basePfn();

    /** Pages in the area; 0 once an area failed activation. */
    long count();

    int orderPerBit();

    /** Activated at core_initcall: pageblocks are MIGRATE_CMA and in the buddy allocator. */
    boolean active();

    /**
     * {@code cma_alloc(cma, count, align, no_warn)}: first fit from bit 0, aligned to
     * {@code 2^align} pages in physical pfn space; the first pfn or -1.
     */
    long alloc(long count, int align, boolean noWarn);

    /** {@code cma_release}: false when the range is not inside this area. */
    boolean release(long pfn, long count);

    /** Pages currently allocated. */
    long used();
}
