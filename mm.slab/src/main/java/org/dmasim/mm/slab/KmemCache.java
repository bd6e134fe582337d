package org.dmasim.mm.slab;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.slab.KmallocCache;

/**
 * One SLUB kmalloc cache ({@code mm/slub.c}; what is modelled is the same in 6.1 and 6.12), as far
 * as its objects' addresses and its pages go.
 *
 * <pre>
 *  per simulated CPU (kmem_cache_cpu)             per cache (kmem_cache_node, one node)
 *  +------+-----------+---------------------+     partial: slabs with free objects, on no CPU,
 *  | slab | freelist  | partial -> s -> s   |              oldest first (LinkedHashSet: add at
 *  +------+-----------+---------------------+              the tail, remove any in O(1))
 *   the CPU's slab; its free objects: CPU's freelist    full slabs are on no list at all
 * </pre>
 *
 * <ol>
 * <li><b>alloc</b> ({@code slab_alloc_node} / {@code ___slab_alloc}): pop the CPU's freelist
 *     (LIFO). Empty: take the CPU slab's own freelist (objects other CPUs freed); none: the slab
 *     is full and leaves the CPU. Then the CPU's partial list (most recently added first); then
 *     the node's partial list ({@code get_partial_node}: the first slab becomes the CPU slab, more
 *     are frozen onto the CPU's partial list until their count exceeds cpu_partial_slabs / 2);
 *     then a new slab from the page allocator at the cache's order with __GFP_NOWARN |
 *     __GFP_NORETRY (and without direct reclaim), or at the one-object order with the caller's
 *     flags. A new slab's freelist runs in address order (no CONFIG_SLAB_FREELIST_RANDOM).</li>
 * <li><b>free</b> ({@code do_slab_free} / {@code __slab_free}): into the CPU slab of the freeing CPU:
 *     push on the CPU's freelist. Elsewhere: push on the slab's freelist; a slab that was full and
 *     on no CPU is frozen onto the freeing CPU's partial list ({@code put_cpu_partial}, which first
 *     unfreezes the whole list to the node when it holds cpu_partial_slabs slabs); a slab on the
 *     node list that becomes empty while the node keeps min_partial slabs is given back to the
 *     page allocator ({@code discard_slab}). Unfreezing gives back empty slabs the same way.</li>
 * </ol>
 *
 * <p>Only the kmalloc caches exist, created as {@code create_kmalloc_caches} creates them. The
 * object bytes are never touched by the allocator (SLUB's free pointer, which the kernel writes
 * into each free object, XORed with a random per-cache value under SLAB_FREELIST_HARDENED, is
 * kept in {@link Slab#next} instead): an object holds what its last owner left in it.
 */
final class KmemCache {
    /** The flags of GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK that every modelled kernel has. */
    private static final int SHARED_SLAB_GFP_MASK = Gfp.__GFP_RECLAIM | Gfp.__GFP_HIGH | Gfp.__GFP_IO | Gfp.__GFP_FS
        | Gfp.__GFP_NOWARN | Gfp.__GFP_RETRY_MAYFAIL | Gfp.__GFP_NOFAIL | Gfp.__GFP_NORETRY | Gfp.__GFP_MEMALLOC
        | Gfp.__GFP_NOMEMALLOC | Gfp.__GFP_HARDWALL | Gfp.__GFP_THISNODE;

    /**
     * {@code GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK} ({@code mm/internal.h}): what new_slab keeps
     * of the caller's flags. 6.1's GFP_RECLAIM_MASK has {@code __GFP_ATOMIC}; the bit is gone from
     * 6.3 on, so it is in the mask where the kernel's GFP table has it.
     */
    static int slabGfpMask(MmRules mm) {
        int atomic = mm.gfpNames().contains("__GFP_ATOMIC") ? mm.gfp("__GFP_ATOMIC") : 0;
        return SHARED_SLAB_GFP_MASK | atomic;
    }

    /** What a kfree found. */
    enum FreeOutcome {
        FREED,
        /** Not the start of an object of this slab. */
        NOT_AN_OBJECT,
        /** Already free, and the head of the freelist it would be pushed on. */
        DOUBLE_FREE_OF_HEAD,
        /** Already free, deeper in a freelist. */
        DOUBLE_FREE
    }

    private static final class Cpu {
        Slab slab;
        int freelist = -1;
        Slab partial;
    }

    final String name;
    final SlabGeometry geometry;
    /** {@code s->allocflags}: __GFP_COMP for order > 0, GFP_DMA for dma caches, __GFP_RECLAIMABLE for rcl ones. */
    final int allocFlags;
    private final SlabEnv env;
    private final Cpu[] cpus;
    private final LinkedHashSet<Slab> partial = new LinkedHashSet<>();
    private long slabs;
    private long objects;
    private long allocated;

    KmemCache(String name, SlabGeometry geometry, int typeFlags, int nrCpus, SlabEnv env) {
        this.name = name;
        this.geometry = geometry;
        this.allocFlags = typeFlags | (geometry.order() > 0 ? Gfp.__GFP_COMP : 0);
        this.env = env;
        this.cpus = new Cpu[nrCpus];
        for (int i = 0; i < nrCpus; i++) {
            cpus[i] = new Cpu();
        }
    }

    // ---- alloc ----

    /** An object's address, or 0 when no slab could be had (the failure is logged). */
    synchronized long alloc(int gfp, int cpu) {
        Cpu c = cpus[cpu % cpus.length];
        if (c.slab == null || c.freelist < 0) {
            if (!refill(c, gfp)) {
                return 0;
            }
        }
        Slab s = c.slab;
        int obj = c.freelist;
        c.freelist = s.next[obj];
        s.markFree(obj, false);
        s.allocated++;
        allocated++;
        return s.objectAddr(obj);
    }

    /** {@code ___slab_alloc}: gives the CPU a slab with a non-empty CPU freelist. */
    private boolean refill(Cpu c, int gfp) {
        if (c.slab != null) {
            c.freelist = getFreelist(c.slab);
            if (c.freelist >= 0) {
                return true;
            }
            c.slab = null; // full: it floats on no list until an object comes back
        }
        while (c.partial != null) {
            Slab s = c.partial;
            c.partial = s.nextPartial;
            s.nextPartial = null;
            c.slab = s;
            c.freelist = getFreelist(s);
            if (c.freelist >= 0) {
                return true;
            }
            c.slab = null;
        }
        Slab s = getPartial(c);
        if (s == null) {
            s = newSlab(gfp);
            if (s == null) {
                return false;
            }
        }
        c.slab = s;
        c.freelist = s.freelist;
        s.freelist = -1;
        s.inuse = s.objects;
        s.frozen = true;
        return true;
    }

    /** {@code get_freelist}: takes the slab's freelist for its CPU; the slab is frozen only while it has one. */
    private static int getFreelist(Slab s) {
        int fl = s.freelist;
        s.freelist = -1;
        s.inuse = s.objects;
        s.frozen = fl >= 0;
        return fl;
    }

    /** {@code get_partial_node}: the first node partial slab for the CPU, more onto its partial list. */
    private Slab getPartial(Cpu c) {
        Slab first = null;
        int partialSlabs = 0;
        for (Iterator<Slab> it = partial.iterator(); it.hasNext(); ) {
            Slab s = it.next();
            it.remove();
            s.frozen = true;
            if (first == null) {
                first = s;
            } else {
                putCpuPartial(c, s, false);
                partialSlabs++;
            }
            if (partialSlabs > geometry.cpuPartialSlabs() / 2) {
                break;
            }
        }
        return first;
    }

    /** {@code new_slab} / {@code allocate_slab}. */
    private Slab newSlab(int gfp) {
        if ((gfp & KmallocCaches.GFP_SLAB_BUG_MASK) != 0) {
            gfp = KmallocCaches.fixFlags(env, gfp);
        }
        int flags = (gfp & env.slabGfpMask()) | allocFlags;
        int first = (flags | Gfp.__GFP_NOWARN | Gfp.__GFP_NORETRY) & ~Gfp.__GFP_NOFAIL;
        if ((first & Gfp.__GFP_DIRECT_RECLAIM) != 0 && geometry.order() > geometry.minOrder()) {
            first = (first | Gfp.__GFP_NOMEMALLOC) & ~Gfp.__GFP_RECLAIM;
        }
        PageAllocator buddy = env.buddy();
        int order = geometry.order();
        int count = geometry.objects();
        long pfn = buddy.allocPages(first, order);
        if (pfn == PageAllocator.NO_PAGE) {
            order = geometry.minOrder();
            count = geometry.minObjects();
            pfn = buddy.allocPages(flags, order);
            if (pfn == PageAllocator.NO_PAGE) {
                return null;
            }
        }
        Slab s = new Slab(this, pfn, order, count, env.vm().linearAddress(Page.pfnPhys(pfn)));
        s.freelist = 0;
        slabs++;
        objects += count;
        env.registry().add(pfn, order, s);
        return s;
    }

    // ---- free ----

    /** {@code kfree} of addr, which lies in slab s of this cache. */
    synchronized FreeOutcome free(Slab s, long addr, int cpu) {
        long off = addr - s.addr;
        if (!s.live || off % geometry.size() != 0 || off / geometry.size() >= s.objects) {
            return FreeOutcome.NOT_AN_OBJECT;
        }
        int obj = (int) (off / geometry.size());
        Cpu c = cpus[cpu % cpus.length];
        boolean fast = s == c.slab;
        if (s.isFree(obj)) {
            int head = fast ? c.freelist : s.freelist;
            return head == obj ? FreeOutcome.DOUBLE_FREE_OF_HEAD : FreeOutcome.DOUBLE_FREE;
        }
        s.markFree(obj, true);
        s.allocated--;
        allocated--;
        if (fast) {
            s.next[obj] = c.freelist;
            c.freelist = obj;
            return FreeOutcome.FREED;
        }
        slowFree(s, obj, c);
        return FreeOutcome.FREED;
    }

    /** {@code __slab_free} with CONFIG_SLUB_CPU_PARTIAL. */
    private void slowFree(Slab s, int obj, Cpu c) {
        int prior = s.freelist;
        s.next[obj] = prior;
        s.freelist = obj;
        boolean wasFrozen = s.frozen;
        s.inuse--;
        if (wasFrozen) {
            return; // a CPU owns it: no list moves
        }
        if (prior < 0) {
            // It was full, on no list: it goes to this CPU's partial list, frozen.
            s.frozen = true;
            putCpuPartial(c, s, true);
            return;
        }
        if (s.inuse == 0 && partial.size() >= geometry.minPartial()) {
            partial.remove(s);
            discard(s);
        }
    }

    /** {@code put_cpu_partial}: the slab goes to the head of the CPU's partial list. */
    private void putCpuPartial(Cpu c, Slab s, boolean drain) {
        Slab old = c.partial;
        Slab unfreeze = null;
        int count = 0;
        if (old != null) {
            if (drain && old.partialSlabs >= geometry.cpuPartialSlabs()) {
                unfreeze = old;
                old = null;
            } else {
                count = old.partialSlabs;
            }
        }
        s.partialSlabs = count + 1;
        s.nextPartial = old;
        c.partial = s;
        if (unfreeze != null) {
            unfreezePartials(unfreeze);
        }
    }

    /** {@code __unfreeze_partials}: a CPU's old partial list goes to the node; empty slabs beyond min_partial are freed. */
    private void unfreezePartials(Slab list) {
        List<Slab> discard = new ArrayList<>();
        for (Slab s = list; s != null; ) {
            Slab next = s.nextPartial;
            s.nextPartial = null;
            s.frozen = false;
            if (s.inuse == 0 && partial.size() >= geometry.minPartial()) {
                discard.add(s);
            } else {
                partial.add(s);
            }
            s = next;
        }
        discard.forEach(this::discard);
    }

    private void discard(Slab s) {
        s.live = false;
        slabs--;
        objects -= s.objects;
        env.registry().remove(s.pfn, s);
        env.buddy().freePages(s.pfn, s.order);
    }

    // ---- views ----

    synchronized KmallocCache info() {
        long freeOnNode = 0;
        for (Slab s : partial) {
            freeOnNode += s.objects - s.inuse;
        }
        return new KmallocCache(name, geometry.size(), geometry.objects(), geometry.order(), slabs, objects,
            objects - freeOnNode, allocated);
    }

    /** {@code slab_out_of_memory}'s lines (node -1: kmalloc asks for no node). */
    synchronized List<String> outOfMemory(int gfp) {
        long freeOnNode = 0;
        for (Slab s : partial) {
            freeOnNode += s.objects - s.inuse;
        }
        return List.of(
            String.format("SLUB: Unable to allocate memory on node -1, gfp=%s(%s)", gfp == 0 ? "0" : "0x"
                + Integer.toHexString(gfp), env.mm().formatGfp(gfp)),
            String.format("  cache: %s, object size: %d, buffer size: %d, default order: %d, min order: %d", name,
                geometry.size(), geometry.size(), geometry.order(), geometry.minOrder()),
            String.format("  node 0: slabs: %d, objs: %d, free: %d", slabs, objects, freeOnNode));
    }

    /** Checks the bookkeeping (tests): counts agree with the slabs, lists hold what they should. */
    synchronized void checkInvariants(List<Slab> live) {
        long o = 0;
        long a = 0;
        for (Slab s : live) {
            o += s.objects;
            a += s.allocated;
            int onLists = 0;
            for (int i = 0; i < s.objects; i++) {
                onLists += s.isFree(i) ? 1 : 0;
            }
            if (onLists != s.objects - s.allocated) {
                throw new AssertionError(name + ": slab " + s.pfn + " has " + onLists + " free objects but "
                    + s.allocated + " of " + s.objects + " allocated");
            }
        }
        if (o != objects || a != allocated || live.size() != slabs) {
            throw new AssertionError(name + ": " + live.size() + " slabs with " + o + " objects and " + a
                + " allocated, counted " + slabs + "/" + objects + "/" + allocated);
        }
    }
}
