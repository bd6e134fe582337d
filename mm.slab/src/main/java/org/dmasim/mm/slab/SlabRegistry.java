package org.dmasim.mm.slab;

import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code virt_to_folio}'s answer for kmalloc memory: which slab or large allocation owns a page.
 * Blocks are registered by their first pfn; every block is naturally aligned to its order (the
 * buddy allocator's blocks are), so the owner of a pfn is found by rounding it down to each
 * order in turn up to the largest order registered: a few lookups, and no entry per tail page.
 */
final class SlabRegistry {
    private final ConcurrentHashMap<Long, Object> heads = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger maxOrder = new java.util.concurrent.atomic.AtomicInteger();

    void add(long pfn, int order, Object block) {
        maxOrder.accumulateAndGet(order, Math::max);
        heads.put(pfn, block);
    }

    /** False when the block was not (or no longer) registered: someone else removed it first. */
    boolean remove(long pfn, Object block) {
        return heads.remove(pfn, block);
    }

    /** The live slabs (for tests). */
    java.util.List<Slab> slabs() {
        return heads.values().stream().filter(o -> o instanceof Slab).map(o -> (Slab) o).toList();
    }

    /** The {@link Slab} or {@link LargeKmalloc} whose pages hold pfn, or null. */
    Object owner(long pfn) {
        for (int order = 0, max = maxOrder.get(); order <= max; order++) {
            Object o = heads.get(pfn & -(1L << order));
            if (o instanceof Slab s && s.holds(pfn)) {
                return s;
            }
            if (o instanceof LargeKmalloc l && l.holds(pfn)) {
                return l;
            }
        }
        return null;
    }
}
