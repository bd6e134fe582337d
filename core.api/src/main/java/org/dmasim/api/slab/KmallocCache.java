package org.dmasim.api.slab;

/**
 * One kmalloc cache as {@code /proc/slabinfo} shows it (SLUB's {@code get_slabinfo}).
 *
 * @param name e.g. {@code kmalloc-192}, {@code kmalloc-rcl-1k}, {@code kmalloc-cg-64},
 *     {@code dma-kmalloc-8k}
 * @param objectSize {@code s->size}: the size class
 * @param objectsPerSlab {@code oo_objects(s->oo)}
 * @param order {@code oo_order(s->oo)}: a slab is {@code 2^order} pages
 * @param slabs slabs the cache holds
 * @param objects objects in those slabs
 * @param activeObjects objects minus the free ones on the node's partial list (as slabinfo counts:
 *     free objects of per-CPU slabs count as active)
 * @param allocated objects handed out and not freed
 */
public record KmallocCache(String name, int objectSize, int objectsPerSlab, int order, long slabs, long objects,
    long activeObjects, long allocated) {
}
