package org.dmasim.mm.slab;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.api.slab.Kmalloc;
import org.dmasim.api.slab.KmallocCache;
import org.dmasim.api.slab.KmallocObject;

/**
 * A platform's kmalloc ({@code mm/slab_common.c} with SLUB, in the platform's kernel: see
 * {@link SlabKernel}): the kmalloc caches of {@code create_kmalloc_caches}, {@code kmalloc_large}
 * for requests above 8 KiB, and {@code kfree}/{@code ksize} finding what owns an address as
 * {@code virt_to_folio} does.
 *
 * <p>Debian's configuration is assumed where it matters: CONFIG_ZONE_DMA (when the platform
 * has it: the dma-kmalloc caches), CONFIG_MEMCG_KMEM / CONFIG_MEMCG (the kmalloc-cg caches),
 * CONFIG_SLUB_CPU_PARTIAL, CONFIG_SLAB_FREELIST_HARDENED (a double free of a freelist's head hits
 * {@code BUG_ON(object == fp)}), no CONFIG_SLAB_FREELIST_RANDOM (freelists run in address order).
 * {@code CONFIG_SLUB_DEBUG_ON} (Kconfig {@code SLUB_DEBUG_ON}) makes kfree report what
 * {@code free_debug_processing} reports, with the non-debug object layout (red zones, poison and
 * tracking words are not simulated).
 */
public final class KmallocCaches implements Kmalloc {
    /**
     * {@code GFP_SLAB_BUG_MASK}: __GFP_DMA32 | __GFP_HIGHMEM | ~__GFP_BITS_MASK (26 bits in 6.1;
     * 6.12 counts its bits from its configuration, ___GFP_LAST_BIT, and dmasim keeps 26 there).
     */
    static final int GFP_SLAB_BUG_MASK = Gfp.__GFP_DMA32 | Gfp.__GFP_HIGHMEM | ~((1 << 26) - 1);
    private static final String SEPARATOR = "=".repeat(77);
    private static final String DASHES = "-".repeat(77);
    /** {@code print_tainted()} once TAINT_BAD_PAGE is set: 'G' for the proprietary flag's false, 'B' sixth of 18. */
    private static final String TAINTED_BAD_PAGE = "Tainted: G    B            ";

    private final SlabEnv env;
    private final KmallocIndex index;
    private final SlabKernel kernel;
    private final boolean debug;
    private final KmemCache[][] caches = new KmemCache[KmallocIndex.Type.values().length][];
    private final List<KmemCache> created = new ArrayList<>();
    private final AtomicLong largeAllocations = new AtomicLong();
    private final AtomicLong largePages = new AtomicLong();
    private final AtomicBoolean tainted = new AtomicBoolean();
    private final AtomicBoolean warnedFreeLarge = new AtomicBoolean();

    /**
     * @param index the size classes and cache types, with the alignment the caches get
     * @param nrCpus the simulated CPUs (per-CPU slabs; calculate_order's nr_cpus)
     * @param debug CONFIG_SLUB_DEBUG_ON
     * @param mm the kernel's GFP table (GFP_RECLAIM_MASK's __GFP_ATOMIC, {@code %pGg} in messages)
     */
    KmallocCaches(PageAllocator buddy, KernelVm vm, BootLog log, SlabKernel kernel, KmallocIndex index, int nrCpus,
        boolean debug, MmRules mm) {
        this.env = new SlabEnv(buddy, vm, log, new SlabRegistry(), mm, KmemCache.slabGfpMask(mm));
        this.index = index;
        this.kernel = kernel;
        this.debug = debug;
        for (KmallocIndex.Type type : index.types()) {
            caches[type.ordinal()] = new KmemCache[KmallocIndex.KMALLOC_SHIFT_HIGH + 1];
            for (int i : index.created()) {
                newKmallocCache(type, i, nrCpus);
            }
        }
    }

    /**
     * {@code new_kmalloc_cache(idx, type)}: the cache of the class's size aligned up to the
     * minimum alignment, made unless an earlier class made it; the class shares it.
     */
    private void newKmallocCache(KmallocIndex.Type type, int idx, int nrCpus) {
        KmemCache[] row = caches[type.ordinal()];
        int aligned = index.alignedIndex(idx);
        if (row[aligned] == null) {
            int flags = switch (type) {
                case DMA -> Gfp.GFP_DMA;
                case RECLAIM -> Gfp.__GFP_RECLAIMABLE;
                default -> 0;
            };
            KmemCache c = new KmemCache(KmallocIndex.name(type, aligned),
                SlabGeometry.of(KmallocIndex.size(aligned), nrCpus), flags, nrCpus, env);
            row[aligned] = c;
            created.add(c);
        }
        row[idx] = row[aligned];
    }

    @Override
    public int minAlign() {
        return index.minalign;
    }

    @Override
    public long sizeRoundup(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("kmalloc_size_roundup: size " + size + " (expected a size_t: 0 or more)");
        }
        if (size == 0) {
            return 0;
        }
        if (size > KmallocIndex.KMALLOC_MAX_CACHE_SIZE) {
            return kernel.roundupAboveCaches(size);
        }
        // kmalloc_slab(size, GFP_KERNEL)->object_size: the size index is the same for every type.
        return caches[KmallocIndex.Type.NORMAL.ordinal()][index.index((int) size)].geometry.size();
    }

    // ---- kmalloc ----

    @Override
    public long kmalloc(long size, int gfp) {
        if (size < 0) {
            throw new IllegalArgumentException("kmalloc: size " + size + " (expected a size_t: 0 or more)");
        }
        if (size > KmallocIndex.KMALLOC_MAX_CACHE_SIZE) {
            return kmallocLarge(size, gfp);
        }
        if (size == 0) {
            return ZERO_SIZE_PTR;
        }
        KmemCache c = caches[index.type(gfp).ordinal()][index.index((int) size)];
        long addr = c.alloc(gfp, SimCpu.current());
        if (addr == 0) {
            if ((gfp & Gfp.__GFP_NOWARN) == 0) {
                c.outOfMemory(gfp).forEach(env.log()::warn);
            }
            return 0;
        }
        if ((gfp & Gfp.__GFP_ZERO) != 0) {
            env.vm().cpuFill(addr, c.geometry.size(), (byte) 0);
        }
        return addr;
    }

    /** {@code __kmalloc_large_node}: a compound block of get_order(size) pages, the caller's flags. */
    private long kmallocLarge(long size, int gfp) {
        if ((gfp & GFP_SLAB_BUG_MASK) != 0) {
            gfp = fixFlags(env, gfp);
        }
        int order = Page.getOrder(size);
        long pfn = env.buddy().allocPages(gfp | Gfp.__GFP_COMP, order);
        if (pfn == PageAllocator.NO_PAGE) {
            return 0;
        }
        long addr = env.vm().linearAddress(Page.pfnPhys(pfn));
        env.registry().add(pfn, order, new LargeKmalloc(pfn, order, addr, size));
        largeAllocations.incrementAndGet();
        largePages.addAndGet(1L << order);
        return addr;
    }

    /** {@code kmalloc_fix_flags}: the zone bits slab memory may not have are dropped, with the kernel's warning. */
    static int fixFlags(SlabEnv env, int gfp) {
        int invalid = gfp & GFP_SLAB_BUG_MASK;
        int fixed = gfp & ~GFP_SLAB_BUG_MASK;
        env.log().warn(String.format("Unexpected gfp: %s (%s). Fixing up to gfp: %s (%s). Fix your code!",
            hex(invalid), env.mm().formatGfp(invalid), hex(fixed), env.mm().formatGfp(fixed)));
        return fixed;
    }

    /** {@code %#x}. */
    private static String hex(int v) {
        return v == 0 ? "0" : "0x" + Integer.toHexString(v);
    }

    // ---- kfree ----

    @Override
    public void kfree(long objp) {
        if (Long.compareUnsigned(objp, ZERO_SIZE_PTR) <= 0) {
            return; // ZERO_OR_NULL_PTR
        }
        if (!env.vm().isLinear(objp)) {
            throw unnoticed(String.format("kfree(%#018x): not a linear-map address, so no kmalloc memory (vmalloc"
                + " memory goes back with vfree or kvfree)", objp), "Linux would take a struct page that does not"
                + " describe it (virt_to_folio) and free or corrupt whatever that is");
        }
        long pfn = Page.pfnDown(env.vm().toPhys(objp));
        Object owner = env.registry().owner(pfn);
        if (owner instanceof Slab s) {
            freeObject(s, objp);
            return;
        }
        if (owner instanceof LargeKmalloc l && env.registry().remove(l.pfn(), l)) {
            env.buddy().freePages(l.pfn(), l.order());
            largeAllocations.decrementAndGet();
            largePages.addAndGet(-(1L << l.order()));
            if (objp != l.addr()) {
                env.log().dmasim(String.format("kfree(%#018x): not the start of the kmalloc_large allocation at"
                    + " %#018x; Linux frees the whole allocation all the same (free_large_kmalloc), and so did"
                    + " dmasim", objp, l.addr()));
            }
            return;
        }
        notKmalloc(objp, pfn);
    }

    private void freeObject(Slab s, long objp) {
        KmemCache c = s.cache;
        KmemCache.FreeOutcome outcome = c.free(s, objp, SimCpu.current());
        switch (outcome) {
            case FREED -> {
            }
            case NOT_AN_OBJECT -> {
                if (debug) {
                    throw slubBug(c, String.format("Invalid object pointer %#x", objp), objp);
                }
                throw unnoticed(String.format("kfree(%#018x): not the start of an object of %s (objects of %d bytes"
                    + " from %#018x)", objp, c.name, c.geometry.size(), s.addr), "Linux without slub_debug would"
                    + " put the address on the freelist and hand it out again, overlapping its neighbours");
            }
            case DOUBLE_FREE_OF_HEAD, DOUBLE_FREE -> {
                if (debug) {
                    throw slubBug(c, "Object already free", objp);
                }
                if (outcome == KmemCache.FreeOutcome.DOUBLE_FREE_OF_HEAD) {
                    env.log().add(LogLine.Level.CRIT, "kernel BUG at mm/slub.c!");
                    throw unnoticed(String.format("kfree(%#018x): double free of a %s object that heads its freelist:"
                        + " set_freepointer's BUG_ON(object == fp) (CONFIG_SLAB_FREELIST_HARDENED)", objp, c.name),
                        "the kernel stops here with an Oops");
                }
                throw unnoticed(String.format("kfree(%#018x): double free of a %s object", objp, c.name),
                    "Linux without slub_debug does not notice: the object would sit on the freelist twice and"
                        + " be handed to two owners");
            }
            default -> throw new IllegalStateException(outcome.name());
        }
    }

    /** A kfree of memory that is neither a slab nor a large kmalloc: free_large_kmalloc's WARN. */
    private void notKmalloc(long objp, long pfn) {
        if (warnedFreeLarge.compareAndSet(false, true)) {
            env.log().warn(String.format("WARNING: CPU: %d PID: 0 at mm/slab_common.c free_large_kmalloc",
                SimCpu.current()));
            env.log().warn(String.format("object pointer: %#x", objp));
        }
        throw unnoticed(String.format("kfree(%#018x): pfn %#x is neither a slab nor a kmalloc_large allocation",
            objp, pfn), "Linux takes it for a large kmalloc (free_large_kmalloc), warns once about an order-0"
                + " page and hands the page to __free_pages() all the same");
    }

    /** What {@code free_debug_processing} prints: slab_bug's three lines, then slab_fix's. */
    private IllegalArgumentException slubBug(KmemCache c, String reason, long objp) {
        String taint = tainted.getAndSet(true) ? TAINTED_BAD_PAGE : "Not tainted";
        String bug = String.format("BUG %s (%s): %s", c.name, taint, reason);
        env.log().err(SEPARATOR);
        env.log().err(bug);
        env.log().err(DASHES);
        env.log().err("");
        env.log().err(String.format("FIX %s: Object at %#x not freed", c.name, objp));
        return new IllegalArgumentException(bug);
    }

    /** A misuse the kernel would not notice (or would crash on): a dmasim line, and the call refused. */
    private IllegalArgumentException unnoticed(String text, String consequence) {
        String line = text + " [dmasim: refused; " + consequence + "]";
        env.log().dmasim(line);
        return new IllegalArgumentException(line);
    }

    // ---- ksize and views ----

    @Override
    public long ksize(long objp) {
        if (Long.compareUnsigned(objp, ZERO_SIZE_PTR) <= 0) {
            return 0;
        }
        Object owner = env.vm().isLinear(objp) ? env.registry().owner(Page.pfnDown(env.vm().toPhys(objp))) : null;
        if (owner instanceof Slab s) {
            return s.cache.geometry.size();
        }
        if (owner instanceof LargeKmalloc l && objp == l.addr()) {
            return Page.PAGE_SIZE << l.order();
        }
        // __ksize: WARN_ON(folio_size(folio) <= KMALLOC_MAX_CACHE_SIZE) or WARN_ON(object != folio_address(folio)).
        env.log().warn(String.format("WARNING: CPU: %d PID: 0 at mm/slab_common.c __ksize", SimCpu.current()));
        env.log().dmasim(String.format("ksize(%#018x): %s; the kernel WARNs and returns 0", objp,
            owner == null ? "no kmalloc memory" : "not the start of a kmalloc_large allocation"));
        return 0;
    }

    @Override
    public Optional<KmallocObject> lookup(long addr) {
        if (!env.vm().isLinear(addr)) {
            return Optional.empty();
        }
        long phys = env.vm().toPhys(addr);
        Object owner = env.registry().owner(Page.pfnDown(phys));
        if (owner instanceof Slab s) {
            int size = s.cache.geometry.size();
            long obj = (addr - s.addr) / size;
            long start = s.addr + obj * size;
            synchronized (s.cache) {
                if (!s.live || obj >= s.objects || s.isFree((int) obj)) {
                    return Optional.empty();
                }
            }
            return Optional.of(new KmallocObject(start, env.vm().toPhys(start), s.cache.name, size, s.pfn, s.order));
        }
        if (owner instanceof LargeKmalloc l) {
            return Optional.of(new KmallocObject(l.addr(), Page.pfnPhys(l.pfn()), "kmalloc_large",
                Page.PAGE_SIZE << l.order(), l.pfn(), l.order()));
        }
        return Optional.empty();
    }

    @Override
    public List<KmallocCache> caches() {
        List<KmallocCache> out = new ArrayList<>();
        for (int i = created.size() - 1; i >= 0; i--) {
            out.add(created.get(i).info());
        }
        return out;
    }

    @Override
    public String slabinfo() {
        StringBuilder b = new StringBuilder("slabinfo - version: 2.1\n");
        b.append("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>")
            .append(" : tunables <limit> <batchcount> <sharedfactor>")
            .append(" : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
        for (KmallocCache c : caches()) {
            b.append(String.format("%-17s %6d %6d %6d %4d %4d", c.name(), c.activeObjects(), c.objects(),
                c.objectSize(), c.objectsPerSlab(), 1 << c.order()));
            b.append(String.format(" : tunables %4d %4d %4d", 0, 0, 0));
            b.append(String.format(" : slabdata %6d %6d %6d%n", c.slabs(), c.slabs(), 0));
        }
        return b.toString();
    }

    @Override
    public LargeStats large() {
        return new LargeStats(largeAllocations.get(), largePages.get());
    }

    /** Pages the caches' slabs hold now. */
    long slabPages() {
        return env.registry().slabs().stream().mapToLong(sl -> 1L << sl.order).sum();
    }

    /** Every cache's bookkeeping checked against its live slabs (for tests). */
    void checkInvariants() {
        List<Slab> liveSlabs = env.registry().slabs();
        for (KmemCache c : created) {
            c.checkInvariants(liveSlabs.stream().filter(s -> s.cache == c).toList());
        }
    }
}
