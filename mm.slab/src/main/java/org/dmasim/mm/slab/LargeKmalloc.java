package org.dmasim.mm.slab;

/**
 * A {@code kmalloc_large} allocation: a compound block of {@code 2^order} pages straight from
 * the page allocator, for a request above KMALLOC_MAX_CACHE_SIZE.
 *
 * @param pfn the block's first pfn
 * @param order get_order(size)
 * @param addr its linear-map address (what kmalloc returned)
 * @param requested the size asked for
 */
record LargeKmalloc(long pfn, int order, long addr, long requested) {
    boolean holds(long p) {
        return p >= pfn && p < pfn + (1L << order);
    }
}
