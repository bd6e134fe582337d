package org.dmasim.api.boot;

/**
 * What boot components after {@code mem_init()} may ask of swiotlb: {@code is_swiotlb_allocated()},
 * whether the default pool got slots ({@code io_tlb_default_mem.nslabs}). The pool itself serves
 * at run time ({@code SwiotlbPool}); kmalloc's minimum alignment of 6.12
 * ({@code __kmalloc_minalign()}) is decided from this fact during boot.
 *
 * @param nslabs slots of the default pool, 0 when none was allocated
 * @since 2.6
 */
public record SwiotlbAllocated(long nslabs) {
    /** {@code is_swiotlb_allocated()}. */
    public boolean allocated() {
        return nslabs > 0;
    }
}
