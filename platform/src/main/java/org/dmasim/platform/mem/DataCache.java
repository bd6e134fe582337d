package org.dmasim.platform.mem;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.dmasim.api.mem.CacheEviction;
import org.dmasim.api.mem.CacheLine;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Page;

/**
 * The CPU data cache of a platform: write-back, write-allocate, 64-byte lines, in front of
 * {@link SparseRam}. With no eviction (the default) it has no capacity limit: a line stays until
 * cache maintenance removes it, the deterministic worst case for a driver that forgets a sync.
 *
 * <p><b>Layout.</b> A {@link PageTable} from pfn to a {@link LinePage}, only for pages with at least
 * one cached line: three 64-bit bitmaps (present, dirty, RAM changed behind the cache) and the
 * page's cached bytes, allocated on the first non-zero byte (a buffer zeroed through the cache
 * costs its bitmaps only). A page costs nothing until the CPU touches it; a line lookup is one
 * table lookup (two array loads) per page and bit operations per line, so a 64 KiB copy through
 * the cache costs 16 lookups and 16 array copies.
 *
 * <p><b>Operations</b>, each on the pages its range touches, under the page's lock (a word of
 * its {@link LinePage}):
 * <ol>
 * <li>CPU load ({@link #cpu()}): lines not cached are filled from RAM (clean); a cached line whose
 *     RAM was changed behind the cache and whose bytes differ from RAM counts as a stale CPU read;
 *     the bytes come from the cache.</li>
 * <li>CPU store: lines only partly written and not cached are filled first; the bytes go into
 *     the cache only, the lines become dirty; a line overwritten whole forgets that RAM changed.</li>
 * <li>{@code dc cvac} ({@link #clean}): dirty lines are written back (a run of lines as one copy)
 *     and stay cached, clean. {@code dc ivac} ({@link #invalidate}): cached lines are dropped, a
 *     dirty one is lost (counted). {@code dc civac}: write back, then drop.</li>
 * <li>A device that does not snoop, and the CPU through a non-cacheable alias: RAM only. A
 *     device read under dirty lines whose bytes differ from RAM counts stale device reads; a write
 *     marks the cached lines over it as changed behind the cache.</li>
 * <li>A snooping device: reads take dirty cached bytes over RAM; writes go to RAM and into the
 *     cached copies.</li>
 * </ol>
 * Counters are {@link LongAdder}s and each page's words are padded apart ({@link LinePage}), so
 * threads on different pages share nothing they write.
 *
 * <p><b>Eviction</b> ({@link Evictor}) runs after an access has released its page, so it never
 * holds two pages' locks at once.
 */
public final class DataCache implements CpuCache {
    static final int LINE_SHIFT = 6;
    static final int LINE = 1 << LINE_SHIFT;
    private static final int PAGE = PagedMemory.PAGE;

    private final SparseRam ram;
    private final CacheEviction eviction;
    private final Evictor evictor;
    private final PageTable<LinePage> pages;

    private final LongAdder fills = new LongAdder();
    private final LongAdder cleaned = new LongAdder();
    private final LongAdder invalidated = new LongAdder();
    private final LongAdder discarded = new LongAdder();
    private final LongAdder evicted = new LongAdder();
    private final LongAdder evictionWriteBacks = new LongAdder();
    private final LongAdder staleCpuReads = new LongAdder();
    private final LongAdder staleDeviceReads = new LongAdder();

    private final PhysMemory cpu = new CacheViews.Cpu(this);
    private final PhysMemory uncached = new CacheViews.Uncached(this);
    private final PhysMemory snooping = new CacheViews.Device(this, true);
    private final PhysMemory nonSnooping = new CacheViews.Device(this, false);

    public DataCache(SparseRam ram, CacheEviction eviction) {
        this.ram = ram;
        this.pages = ram.newTable();
        this.eviction = eviction;
        this.evictor = eviction.enabled() ? new Evictor(eviction) : null;
    }

    SparseRam sparseRam() {
        return ram;
    }

    @Override
    public int lineSize() {
        return LINE;
    }

    @Override
    public PhysMemory cpu() {
        return cpu;
    }

    @Override
    public PhysMemory uncached() {
        return uncached;
    }

    @Override
    public PhysMemory device(boolean coherent) {
        return coherent ? snooping : nonSnooping;
    }

    @Override
    public PhysMemory ram() {
        return ram;
    }

    @Override
    public CacheEviction eviction() {
        return eviction;
    }

    // ---- bit masks of lines within a page ----

    /** The lines [in, in + n) touches (n > 0). */
    static long lines(int in, int n) {
        int first = in >>> LINE_SHIFT;
        int last = (in + n - 1) >>> LINE_SHIFT;
        return (-1L >>> (63 - last)) & (-1L << first);
    }

    /** The lines wholly inside [in, in + n). */
    static long wholeLines(int in, int n) {
        int first = (in + LINE - 1) >>> LINE_SHIFT;
        int end = (in + n) >>> LINE_SHIFT;
        return end <= first ? 0 : lines(first << LINE_SHIFT, (end - first) << LINE_SHIFT);
    }

    /** One past the last line of the run of set bits starting at line {@code from}. */
    private static int runEnd(long bits, int from) {
        return from + Long.numberOfTrailingZeros(~(bits >>> from));
    }

    // ---- the CPU through a cacheable mapping ----

    /** The page's entry, made when the CPU first touches it. */
    private LinePage cached(long pfn) {
        LinePage p = pages.get(pfn);
        return p != null ? p : pages.computeIfAbsent(pfn, LinePage::new);
    }

    /** The page's entry, made if need be, locked and live (one that died meanwhile is looked up anew). */
    private LinePage lockCached(long pfn) {
        for (;;) {
            LinePage p = cached(pfn);
            p.lock();
            if (!p.dead) {
                return p;
            }
            p.unlock();
        }
    }

    /** The page's entry locked and live, or null while the page has no cached line. */
    private LinePage lockPresent(long pfn) {
        for (;;) {
            LinePage p = pages.get(pfn);
            if (p == null) {
                return null;
            }
            p.lock();
            if (!p.dead) {
                return p;
            }
            p.unlock();
        }
    }

    void cpuRead(long pfn, int in, byte[] dst, int off, int n) {
        long m = lines(in, n);
        LinePage p = lockCached(pfn);
        try {
            listed(p);
            long missing = m & ~p.present;
            if (missing != 0) {
                fill(p, missing);
            }
            long suspect = m & p.ramChanged;
            if (suspect != 0) {
                staleCpuReads.add(differing(p, suspect, in, n));
            }
            p.copyOut(in, dst, off, n);
        } finally {
            p.unlock();
        }
        evictAfter(m);
    }

    /**
     * A CPU store of [in, in + n): the bytes of {@code src} from {@code off}, or, when src is
     * null, {@code value} n times (memset).
     */
    void cpuStore(long pfn, int in, int n, byte[] src, int off, byte value) {
        long m = lines(in, n);
        long whole = wholeLines(in, n);
        LinePage p = lockCached(pfn);
        try {
            listed(p);
            long missing = m & ~whole & ~p.present;
            if (missing != 0) {
                fill(p, missing);
            }
            storeInto(p, in, n, src, off, value);
            p.present |= m;
            p.dirty |= m;
            p.ramChanged &= ~whole;
        } finally {
            p.unlock();
        }
        evictAfter(m);
    }

    /** Whether CPU copies go page to page ({@link #cpuCopy}): without eviction. */
    boolean copiesPageToPage() {
        return evictor == null;
    }

    /**
     * A CPU copy (memcpy through the linear map) of [srcIn, srcIn + n) of page srcPfn to
     * [dstIn, dstIn + n) of page dstPfn: exactly {@link #cpuRead} into a buffer and
     * {@link #cpuStore} of it (the same fills, stale-read counts, dirty lines), done page to page
     * with one array copy under both pages' locks, taken in pfn order (no other path holds two,
     * so two copies cannot deadlock). Only without eviction ({@link #copiesPageToPage}): with it,
     * a copy stays a load and a store, so that the evictor draws between them as it always did.
     *
     * @param loadedLine a page offset whose line the copy's previous piece loaded (its stale read,
     *     if any, is counted there), or -1
     * @param dstFrom the first byte of the page the whole copy stores to: a line the copy writes
     *     whole needs no fill, even when this piece writes only part of it
     * @param dstTo one past the last
     * @param srcFrom the first byte of the page the whole copy loads from
     * @param srcTo one past the last: a line split between this piece and the next (the pieces
     *     follow the destination's page boundaries) is judged stale on every byte the copy loads
     *     from it, here, and the next piece skips it
     */
    void cpuCopy(long dstPfn, int dstIn, long srcPfn, int srcIn, int n, int loadedLine, int dstFrom, int dstTo,
        int srcFrom, int srcTo) {
        long sm = lines(srcIn, n);
        long dm = lines(dstIn, n);
        long whole = wholeLines(dstFrom, dstTo - dstFrom) & dm;
        for (;;) {
            LinePage s = cached(srcPfn);
            LinePage d = dstPfn == srcPfn ? s : cached(dstPfn);
            LinePage first = srcPfn <= dstPfn ? s : d;
            LinePage second = first == s ? d : s;
            first.lock(); // pfn order; a copy within one page locks it once (the lock is not reentrant)
            if (second != first) {
                second.lock();
            }
            try {
                if (s.dead || d.dead) {
                    continue;
                }
                long missing = sm & ~s.present;
                if (missing != 0) {
                    fill(s, missing);
                }
                long suspect = sm & s.ramChanged & (loadedLine < 0 ? -1L : ~(1L << (loadedLine >>> LINE_SHIFT)));
                if (suspect != 0) {
                    int from = Math.max(srcFrom, srcIn & -LINE);
                    int to = Math.min(srcTo, (srcIn + n + LINE - 1) & -LINE);
                    staleCpuReads.add(differing(s, suspect, from, to - from));
                }
                long dmissing = dm & ~whole & ~d.present;
                if (dmissing != 0) {
                    fill(d, dmissing);
                }
                if (s.data != null) {
                    storeInto(d, dstIn, n, s.data, srcIn, (byte) 0);
                } else {
                    storeInto(d, dstIn, n, null, 0, (byte) 0);
                }
                d.present |= dm;
                d.dirty |= dm;
                d.ramChanged &= ~whole;
                return;
            } finally {
                if (second != first) {
                    second.unlock();
                }
                first.unlock();
            }
        }
    }

    /** The bytes of a store into the page's cached copy (allocated only for a non-zero byte). */
    private static void storeInto(LinePage p, int in, int n, byte[] src, int off, byte value) {
        if (src != null) {
            if (p.data != null || !SparseRam.allZero(src, off, n)) {
                System.arraycopy(src, off, p.data(), in, n);
            }
        } else if (p.data != null || value != 0) {
            java.util.Arrays.fill(p.data(), in, in + n, value);
        }
    }

    /** The same store into RAM. */
    private void storeIntoRam(long pfn, int in, int n, byte[] src, int off, byte value) {
        if (src != null) {
            ram.writeChunk(pfn, in, src, off, n);
        } else {
            ram.fillChunk(pfn, in, n, value);
        }
    }

    /** Line fills from RAM: the lines become present and clean, in step with RAM. */
    private void fill(LinePage p, long missing) {
        byte[] r = ram.page(p.pfn);
        if (r != null || p.data != null) {
            byte[] d = p.data();
            for (long bits = missing; bits != 0; ) {
                int a = Long.numberOfTrailingZeros(bits);
                int b = runEnd(bits, a);
                if (r == null) {
                    java.util.Arrays.fill(d, a << LINE_SHIFT, b << LINE_SHIFT, (byte) 0);
                } else {
                    System.arraycopy(r, a << LINE_SHIFT, d, a << LINE_SHIFT, (b - a) << LINE_SHIFT);
                }
                bits &= b == 64 ? 0 : -1L << b;
            }
        }
        p.present |= missing;
        p.ramChanged &= ~missing;
        fills.add(Long.bitCount(missing));
    }

    /** How many of the given lines hold, within [in, in + n), other bytes than RAM. */
    private int differing(LinePage p, long candidates, int in, int n) {
        byte[] r = ram.page(p.pfn);
        int count = 0;
        for (long bits = candidates; bits != 0; bits &= bits - 1) {
            int line = Long.numberOfTrailingZeros(bits);
            int from = Math.max(in, line << LINE_SHIFT);
            int to = Math.min(in + n, (line + 1) << LINE_SHIFT);
            if (p.differs(r, from, to)) {
                count++;
            }
        }
        return count;
    }

    // ---- RAM written behind the cache: non-cacheable CPU aliases and devices that do not snoop ----

    void behindRead(long pfn, int in, byte[] dst, int off, int n, boolean countStale) {
        LinePage p = lockPresent(pfn);
        if (p == null) {
            ram.readChunk(pfn, in, dst, off, n);
            return;
        }
        try {
            ram.readChunk(pfn, in, dst, off, n);
            long dirtyHere = lines(in, n) & p.dirty;
            if (countStale && dirtyHere != 0) {
                staleDeviceReads.add(differing(p, dirtyHere, in, n));
            }
        } finally {
            p.unlock();
        }
    }

    /** A store to RAM behind the cache (src null: a fill with value); cached lines over it go stale. */
    void behindStore(long pfn, int in, int n, byte[] src, int off, byte value) {
        LinePage p = lockPresent(pfn);
        if (p == null) {
            storeIntoRam(pfn, in, n, src, off, value);
            return;
        }
        try {
            storeIntoRam(pfn, in, n, src, off, value);
            p.ramChanged |= lines(in, n) & p.present;
        } finally {
            p.unlock();
        }
    }

    // ---- a device that snoops ----

    void snoopRead(long pfn, int in, byte[] dst, int off, int n) {
        LinePage p = lockPresent(pfn);
        if (p == null) {
            ram.readChunk(pfn, in, dst, off, n);
            return;
        }
        try {
            ram.readChunk(pfn, in, dst, off, n);
            for (long bits = lines(in, n) & p.dirty; bits != 0; bits &= bits - 1) {
                int line = Long.numberOfTrailingZeros(bits);
                int from = Math.max(in, line << LINE_SHIFT);
                int to = Math.min(in + n, (line + 1) << LINE_SHIFT);
                p.copyOut(from, dst, off + from - in, to - from);
            }
        } finally {
            p.unlock();
        }
    }

    /** A snooping device's store (src null: a fill with value): RAM and the cached copies both take it. */
    void snoopStore(long pfn, int in, int n, byte[] src, int off, byte value) {
        LinePage p = lockPresent(pfn);
        if (p == null) {
            storeIntoRam(pfn, in, n, src, off, value);
            return;
        }
        try {
            storeIntoRam(pfn, in, n, src, off, value);
            storeInto(p, in, n, src, off, value);
            p.ramChanged &= ~wholeLines(in, n);
        } finally {
            p.unlock();
        }
    }

    // ---- maintenance ----

    private enum Op {
        CLEAN, INVALIDATE, CLEAN_INVALIDATE
    }

    @Override
    public void clean(long phys, long size) {
        maintain(phys, size, Op.CLEAN);
    }

    @Override
    public void invalidate(long phys, long size) {
        maintain(phys, size, Op.INVALIDATE);
    }

    @Override
    public void cleanInvalidate(long phys, long size) {
        maintain(phys, size, Op.CLEAN_INVALIDATE);
    }

    private void maintain(long phys, long size, Op op) {
        if (size <= 0) {
            return;
        }
        long end = phys + size;
        long firstPfn = phys >>> Page.PAGE_SHIFT;
        long lastPfn = (end - 1) >>> Page.PAGE_SHIFT;
        if (lastPfn - firstPfn >= 4L * pages.size() + 16) {
            // A range much larger than what is cached (a CMA buffer's clean): visit the cache, not the range.
            pages.forEach(firstPfn, lastPfn,
                (pfn, p) -> maintainPage(pfn, maskIn(pfn, phys, end, firstPfn, lastPfn), op));
            return;
        }
        for (long pfn = firstPfn; pfn <= lastPfn; pfn++) {
            maintainPage(pfn, maskIn(pfn, phys, end, firstPfn, lastPfn), op);
        }
    }

    private static long maskIn(long pfn, long phys, long end, long firstPfn, long lastPfn) {
        int in = pfn == firstPfn ? (int) (phys & (PAGE - 1)) : 0;
        int stop = pfn == lastPfn ? (int) ((end - 1) & (PAGE - 1)) + 1 : PAGE;
        return lines(in, stop - in);
    }

    private void maintainPage(long pfn, long m, Op op) {
        LinePage p = lockPresent(pfn);
        if (p == null) {
            return;
        }
        try {
            long target = m & p.present;
            if (op != Op.INVALIDATE) {
                long d = target & p.dirty;
                if (d != 0) {
                    writeBack(p, d);
                    cleaned.add(Long.bitCount(d));
                }
            }
            if (op == Op.CLEAN) {
                return;
            }
            discarded.add(Long.bitCount(target & p.dirty));
            invalidated.add(Long.bitCount(target));
            drop(p, target);
        } finally {
            p.unlock();
        }
    }

    /** Writes the given dirty lines back to RAM; they become clean and in step with RAM. */
    private void writeBack(LinePage p, long lines) {
        for (long bits = lines; bits != 0; ) {
            int a = Long.numberOfTrailingZeros(bits);
            int b = runEnd(bits, a);
            int from = a << LINE_SHIFT;
            int len = (b - a) << LINE_SHIFT;
            if (p.data == null) {
                ram.fillChunk(p.pfn, from, len, (byte) 0);
            } else {
                ram.writeChunk(p.pfn, from, p.data, from, len);
            }
            bits &= b == 64 ? 0 : -1L << b;
        }
        p.dirty &= ~lines;
        p.ramChanged &= ~lines;
    }

    /** Drops lines (already written back or meant to be lost); the page leaves when empty. */
    private void drop(LinePage p, long lines) {
        p.present &= ~lines;
        p.dirty &= ~lines;
        p.ramChanged &= ~lines;
        if (p.present == 0) {
            p.dead = true;
            pages.remove(p.pfn, p);
            if (evictor != null) {
                evictor.remove(p);
            }
        }
    }

    // ---- eviction ----

    private void listed(LinePage p) {
        if (evictor != null && p.victimSlot < 0) {
            evictor.add(p);
        }
    }

    private void evictAfter(long accessedLines) {
        if (evictor == null) {
            return;
        }
        for (int k = evictor.due(Long.bitCount(accessedLines)); k > 0; k--) {
            evictOne();
        }
    }

    private void evictOne() {
        for (int tries = 0; tries < 4; tries++) {
            LinePage v = evictor.pickPage();
            if (v == null) {
                return;
            }
            v.lock();
            try {
                if (v.dead || v.present == 0) {
                    continue;
                }
                long line = 1L << evictor.pickLine(v.present);
                if ((v.dirty & line) != 0) {
                    writeBack(v, line);
                    evictionWriteBacks.increment();
                }
                evicted.increment();
                drop(v, line);
                return;
            } finally {
                v.unlock();
            }
        }
    }

    // ---- views for tests and the shell ----

    @Override
    public CacheLine line(long phys) {
        long lineBase = phys & -LINE;
        LinePage p = pages.get(phys >>> Page.PAGE_SHIFT);
        if (p == null) {
            return new CacheLine(lineBase, false, false, false);
        }
        long bit = 1L << ((phys & (PAGE - 1)) >>> LINE_SHIFT);
        p.lock();
        try {
            return new CacheLine(lineBase, (p.present & bit) != 0, (p.dirty & bit) != 0, (p.ramChanged & bit) != 0);
        } finally {
            p.unlock();
        }
    }

    @Override
    public CacheStats stats() {
        long present = 0;
        long dirty = 0;
        List<LinePage> snapshot = pages.values();
        for (LinePage p : snapshot) {
            p.lock();
            try {
                present += Long.bitCount(p.present);
                dirty += Long.bitCount(p.dirty);
            } finally {
                p.unlock();
            }
        }
        return new CacheStats(fills.sum(), cleaned.sum(), invalidated.sum(), discarded.sum(), evicted.sum(),
            evictionWriteBacks.sum(), staleCpuReads.sum(), staleDeviceReads.sum(), present, dirty);
    }

    /** Pages with cached lines (for the memory budget and tests). */
    public int cachedPages() {
        return (int) pages.size();
    }

    /** Bytes of cached line data held: a page's 4 KiB once it caches a non-zero byte. */
    public long cachedDataBytes() {
        long bytes = 0;
        for (LinePage p : pages.values()) {
            p.lock();
            try {
                bytes += p.data == null ? 0 : p.data.length;
            } finally {
                p.unlock();
            }
        }
        return bytes;
    }
}
