package org.dmasim.api.slab;

/**
 * One live piece of kmalloc memory.
 *
 * @param addr the object's linear-map address (what kmalloc returned)
 * @param phys its physical address
 * @param cache the kmalloc cache that holds it ({@code kmalloc-128}, {@code dma-kmalloc-512}), or
 *     {@code kmalloc_large} for a request served by the page allocator
 * @param size {@code ksize}: the bytes usable at addr
 * @param slabPfn the first pfn of its slab (or of its pages)
 * @param order the slab's (or the pages') order
 */
public record KmallocObject(long addr, long phys, String cache, long size, long slabPfn, int order) {
}
