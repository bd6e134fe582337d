package org.dmasim.mm.slab;

/**
 * {@code struct slab} of one kmalloc cache: {@code 2^order} pages cut into {@code objects}
 * objects of the cache's size, guarded by the cache's lock.
 *
 * <pre>
 * next[i]     the free pointer SLUB keeps inside free object i: the next free object's index, -1 ends
 * freelist    slab->freelist: objects freed by a CPU that does not own the slab (or any free
 *             object while the slab is on no CPU)
 * inuse       slab->inuse: objects not on slab->freelist (a CPU slab's own freelist counts as in use)
 * frozen      owned by a CPU: its active slab or on its partial list
 * free        one bit per object on any freelist (the kernel has no such map: it is how dmasim
 *             tells a double free from a first one)
 * </pre>
 */
final class Slab {
    final KmemCache cache;
    final long pfn;
    final int order;
    final int objects;
    /** Linear-map address of object 0. */
    final long addr;
    final int[] next;
    private final long[] free;
    int freelist = -1;
    int inuse;
    int allocated;
    boolean frozen;
    /** False once the slab went back to the page allocator. */
    boolean live = true;
    /** {@code slab->next} on a CPU's partial list, and {@code slab->slabs}: the list's length from here. */
    Slab nextPartial;
    int partialSlabs;

    Slab(KmemCache cache, long pfn, int order, int objects, long addr) {
        this.cache = cache;
        this.pfn = pfn;
        this.order = order;
        this.objects = objects;
        this.addr = addr;
        this.next = new int[objects];
        this.free = new long[(objects + 63) / 64];
        for (int i = 0; i < objects; i++) {
            next[i] = i + 1 < objects ? i + 1 : -1;
            free[i >>> 6] |= 1L << i;
        }
    }

    boolean isFree(int index) {
        return (free[index >>> 6] & (1L << index)) != 0;
    }

    void markFree(int index, boolean isFree) {
        if (isFree) {
            free[index >>> 6] |= 1L << index;
        } else {
            free[index >>> 6] &= ~(1L << index);
        }
    }

    long objectAddr(int index) {
        return addr + (long) index * cache.geometry.size();
    }

    /** Whether pfn lies in this slab's pages. */
    boolean holds(long p) {
        return p >= pfn && p < pfn + (1L << order);
    }
}
