package org.dmasim.mm.slab;

import org.dmasim.api.mm.Page;

/**
 * The shape of a SLUB cache's slabs (6.1 {@code mm/slub.c}; 6.12 gives every kmalloc size the same
 * shape, see {@link SlabKernel}: {@code calculate_order},
 * {@code calc_slab_order}, {@code set_min_partial}, {@code set_cpu_partial}).
 *
 * <p>Order: the smallest order whose slab holds at least {@code min_objects} objects and wastes
 * at most 1/16 of itself, relaxing the waste to 1/8 and 1/4, then the object count one by one,
 * never above {@code slub_max_order} = PAGE_ALLOC_COSTLY_ORDER = 3 (every kmalloc size fits one). {@code min_objects} is
 * {@code 4 * (fls(nr_cpus) + 1)}, where nr_cpus is {@code num_present_cpus()}, or
 * {@code nr_cpu_ids} when that is 1 (arm64 has only the boot CPU present when the kmalloc caches
 * are made), capped at what a slab of the maximum order holds. A fallback order
 * ({@code s->min}) is the order of one object, used when the preferred order cannot be had.
 *
 * @param size the object size ({@code s->size}: the size class; SLUB keeps its free pointer
 *     inside free kmalloc objects, so nothing is added)
 * @param order {@code oo_order(s->oo)}
 * @param objects {@code oo_objects(s->oo)}
 * @param minOrder {@code oo_order(s->min)} = get_order(size)
 * @param minObjects {@code oo_objects(s->min)}
 * @param minPartial {@code s->min_partial}: ilog2(size) / 2 within [5, 10], the node partial
 *     slabs kept even when empty
 * @param cpuPartialSlabs {@code s->cpu_partial_slabs}: the per-CPU partial list's length limit,
 *     from 6/24/52/120 objects for sizes >= PAGE_SIZE / >= 1024 / >= 256 / smaller, counted as
 *     half-full slabs
 */
record SlabGeometry(int size, int order, int objects, int minOrder, int minObjects, int minPartial,
    int cpuPartialSlabs) {

    static final int SLUB_MAX_ORDER = 3;
    static final int MAX_OBJS_PER_PAGE = 32767;
    static final int MIN_PARTIAL = 5;
    static final int MAX_PARTIAL = 10;

    static SlabGeometry of(int size, int cpus) {
        int order = calculateOrder(size, cpus);
        int minOrder = Page.getOrder(size);
        int minPartial = Math.min(MAX_PARTIAL, Math.max(MIN_PARTIAL, ilog2(size) / 2));
        int objects = orderObjects(order, size);
        return new SlabGeometry(size, order, objects, minOrder, orderObjects(minOrder, size), minPartial,
            cpuPartialSlabs(size, objects));
    }

    static int orderObjects(int order, int size) {
        return (int) ((Page.PAGE_SIZE << order) / size);
    }

    private static int ilog2(int v) {
        return 31 - Integer.numberOfLeadingZeros(v);
    }

    private static int fls(int v) {
        return 32 - Integer.numberOfLeadingZeros(v);
    }

    static int calcSlabOrder(int size, int minObjects, int maxOrder, int fractLeftover) {
        int minOrder = 0;
        if (orderObjects(minOrder, size) > MAX_OBJS_PER_PAGE) {
            return Page.getOrder((long) size * MAX_OBJS_PER_PAGE) - 1;
        }
        int order;
        for (order = Math.max(minOrder, Page.getOrder((long) minObjects * size)); order <= maxOrder; order++) {
            long slabSize = Page.PAGE_SIZE << order;
            long rem = slabSize % size;
            if (rem <= slabSize / fractLeftover) {
                break;
            }
        }
        return order;
    }

    static int calculateOrder(int size, int cpus) {
        int minObjects = 4 * (fls(cpus) + 1);
        int maxObjects = orderObjects(SLUB_MAX_ORDER, size);
        minObjects = Math.min(minObjects, maxObjects);
        while (minObjects > 1) {
            for (int fraction = 16; fraction >= 4; fraction /= 2) {
                int order = calcSlabOrder(size, minObjects, SLUB_MAX_ORDER, fraction);
                if (order <= SLUB_MAX_ORDER) {
                    return order;
                }
            }
            minObjects--;
        }
        int order = calcSlabOrder(size, 1, SLUB_MAX_ORDER, 1);
        if (order <= SLUB_MAX_ORDER) {
            return order;
        }
        // calculate_order's last resort, a slab of one object up to MAX_ORDER - 1, is for caches
        // of objects above 32 KiB; kmalloc's largest class is 8 KiB.
        throw new IllegalArgumentException("kmalloc cache of " + size + "-byte objects: larger than an order-"
            + SLUB_MAX_ORDER + " slab (kmalloc caches go up to 8 KiB)");
    }

    /** {@code set_cpu_partial} then {@code slub_set_cpu_partial}: DIV_ROUND_UP(nr_objects * 2, objects). */
    static int cpuPartialSlabs(int size, int objectsPerSlab) {
        int nrObjects;
        if (size >= Page.PAGE_SIZE) {
            nrObjects = 6;
        } else if (size >= 1024) {
            nrObjects = 24;
        } else if (size >= 256) {
            nrObjects = 52;
        } else {
            nrObjects = 120;
        }
        return (nrObjects * 2 + objectsPerSlab - 1) / objectsPerSlab;
    }
}
