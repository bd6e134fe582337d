package org.dmasim.platform.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mm.Page;

/**
 * A concurrent map from pfn to what dmasim keeps for one page of RAM (its bytes in
 * {@link SparseRam}, its cached lines in {@link DataCache}), for the pfns of the platform's RAM
 * only. Every CPU and device access looks a page up here, so a lookup is two array loads and no
 * hashing, no boxing and nothing shared that anyone writes: the struct page array of a
 * SPARSEMEM_VMEMMAP kernel, in spirit, with the pages materialised only where something is kept.
 *
 * <p><b>Layout.</b> The RAM extents (memblock.memory, each widened to whole pages, touching or
 * overlapping ones merged) as sorted {@code firstPfn[]}/{@code endPfn[]}; per extent, an array of
 * chunk references, one per {@value #CHUNK} pfns, each chunk an {@code Object[CHUNK]} made on the
 * first store into it and kept for the platform's life (a chunk is 16 KiB of references; a 4 TiB
 * platform whose drivers touched 10 pages costs ten chunks and 2 MiB of chunk references).
 *
 * <pre>
 *   extent 0: pfns [0x40000, 0x140000)   chunks: [null, c1, null, ...]
 *                                                    c1[0x123] = page of pfn 0x41123
 * </pre>
 *
 * <p><b>Concurrency.</b> Chunks and slots change by compare-and-set and are read with acquire
 * loads, so a reader sees a fully made object. {@link #computeIfAbsent} may call its function for
 * a pfn in two threads at once; one result wins and both callers get it (the functions here make
 * an empty page, so the loser's is garbage, never visible).
 */
final class PageTable<T> {
    /** Up to this many extents, {@link #extent} scans instead of searching by halves. */
    private static final int SCAN_EXTENTS = 8;
    static final int CHUNK_SHIFT = 12;
    static final int CHUNK = 1 << CHUNK_SHIFT;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle CHUNK_REF = MethodHandles.arrayElementVarHandle(Object[][].class);

    /** What a walk over a range does with each page present. */
    interface Visitor<T> {
        void visit(long pfn, T page);
    }

    private final long[] firstPfn;
    private final long[] endPfn;
    private final Object[][][] chunks;
    private final LongAdder size = new LongAdder();

    /** A table for the pfns of {@code memory} (sorted by base, as memblock keeps it). */
    PageTable(List<Memblock.Region> memory) {
        List<long[]> extents = new ArrayList<>();
        for (Memblock.Region r : memory) {
            if (r.size() == 0) {
                continue;
            }
            long first = r.base() >>> Page.PAGE_SHIFT;
            long end = ((r.end() - 1) >>> Page.PAGE_SHIFT) + 1;
            long[] last = extents.isEmpty() ? null : extents.get(extents.size() - 1);
            if (last != null && first <= last[1]) {
                last[1] = Math.max(last[1], end);
            } else {
                extents.add(new long[] {first, end});
            }
        }
        firstPfn = new long[extents.size()];
        endPfn = new long[extents.size()];
        chunks = new Object[extents.size()][][];
        for (int e = 0; e < extents.size(); e++) {
            firstPfn[e] = extents.get(e)[0];
            endPfn[e] = extents.get(e)[1];
            long nchunks = ((endPfn[e] - firstPfn[e]) + CHUNK - 1) >>> CHUNK_SHIFT;
            if (nchunks > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(String.format("RAM [mem %#x-%#x]: more pages than dmasim can keep"
                    + " track of", firstPfn[e] << Page.PAGE_SHIFT, (endPfn[e] << Page.PAGE_SHIFT) - 1));
            }
            chunks[e] = new Object[(int) nchunks][];
        }
    }

    /**
     * The index of the last of the ascending {@code starts} at or below {@code key}, or -1. A
     * platform has a handful of RAM extents (three on a PC: below 640 KiB, below the PCI hole,
     * above 4 GiB), which a scan from the top finds in a few inlined compares; a long list is
     * searched by halves.
     */
    static int floor(long[] starts, long key) {
        int n = starts.length;
        if (n <= SCAN_EXTENTS) {
            int i = n - 1;
            while (i >= 0 && key < starts[i]) {
                i--;
            }
            return i;
        }
        int i = Arrays.binarySearch(starts, key);
        return i < 0 ? -i - 2 : i;
    }

    /** The extent holding {@code pfn}, or -1. */
    private int extent(long pfn) {
        int i = floor(firstPfn, pfn);
        return i >= 0 && pfn < endPfn[i] ? i : -1;
    }

    /** The page of {@code pfn}, or null (nothing kept, or not RAM). */
    @SuppressWarnings("unchecked")
    T get(long pfn) {
        int e = extent(pfn);
        if (e < 0) {
            return null;
        }
        long i = pfn - firstPfn[e];
        Object[] c = (Object[]) CHUNK_REF.getAcquire(chunks[e], (int) (i >>> CHUNK_SHIFT));
        return c == null ? null : (T) SLOT.getAcquire(c, (int) (i & (CHUNK - 1)));
    }

    /** The page of {@code pfn}, made by {@code make} if there is none yet. */
    @SuppressWarnings("unchecked")
    T computeIfAbsent(long pfn, LongFunction<T> make) {
        int e = extent(pfn);
        if (e < 0) {
            throw new IllegalArgumentException(String.format("pfn %#x is not RAM of this platform", pfn));
        }
        long i = pfn - firstPfn[e];
        Object[] c = chunk(e, (int) (i >>> CHUNK_SHIFT));
        int slot = (int) (i & (CHUNK - 1));
        Object now = SLOT.getAcquire(c, slot);
        if (now != null) {
            return (T) now;
        }
        T made = make.apply(pfn);
        Object witness = SLOT.compareAndExchange(c, slot, null, made);
        if (witness != null) {
            return (T) witness;
        }
        size.increment();
        return made;
    }

    private Object[] chunk(int e, int index) {
        Object[] c = (Object[]) CHUNK_REF.getAcquire(chunks[e], index);
        if (c == null) {
            Object[] fresh = new Object[CHUNK];
            Object witness = CHUNK_REF.compareAndExchange(chunks[e], index, null, fresh);
            c = witness == null ? fresh : (Object[]) witness;
        }
        return c;
    }

    /** Forgets the page of {@code pfn}, whatever it is. */
    void remove(long pfn) {
        T page;
        while ((page = get(pfn)) != null && !remove(pfn, page)) {
            Thread.onSpinWait(); // replaced meanwhile: forget the new one
        }
    }

    /** Forgets the page of {@code pfn} if it is {@code page}; whether it did. */
    boolean remove(long pfn, T page) {
        int e = extent(pfn);
        if (e < 0 || page == null) {
            return false;
        }
        long i = pfn - firstPfn[e];
        Object[] c = (Object[]) CHUNK_REF.getAcquire(chunks[e], (int) (i >>> CHUNK_SHIFT));
        if (c != null && SLOT.compareAndSet(c, (int) (i & (CHUNK - 1)), page, null)) {
            size.decrement();
            return true;
        }
        return false;
    }

    /** Pages kept (exact when nothing changes meanwhile). */
    long size() {
        return size.sum();
    }

    /** Visits the pages kept for pfns [first, last], in pfn order, skipping chunks never made. */
    @SuppressWarnings("unchecked")
    void forEach(long first, long last, Visitor<T> visitor) {
        for (int e = 0; e < firstPfn.length; e++) {
            long from = Math.max(first, firstPfn[e]);
            long to = Math.min(last, endPfn[e] - 1);
            long pfn = from;
            while (pfn <= to) {
                long i = pfn - firstPfn[e];
                Object[] c = (Object[]) CHUNK_REF.getAcquire(chunks[e], (int) (i >>> CHUNK_SHIFT));
                long chunkEnd = Math.min(to, pfn + (CHUNK - (i & (CHUNK - 1))) - 1);
                if (c != null) {
                    for (long p = pfn; p <= chunkEnd; p++) {
                        Object v = SLOT.getAcquire(c, (int) ((p - firstPfn[e]) & (CHUNK - 1)));
                        if (v != null) {
                            visitor.visit(p, (T) v);
                        }
                    }
                }
                pfn = chunkEnd + 1;
            }
        }
    }

    /** Every page kept, in pfn order. */
    List<T> values() {
        List<T> out = new ArrayList<>();
        forEach(0, Long.MAX_VALUE, (pfn, page) -> out.add(page));
        return out;
    }
}
