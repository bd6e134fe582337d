package org.dmasim.cma;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.mm.PageAllocator;

/**
 * One CMA area ({@code mm/cma.c}, Linux 6.1).
 *
 * <p><b>Data.</b> Pages [basePfn, basePfn + count) in one zone, all in MIGRATE_CMA pageblocks
 * once activated, so the buddy allocator lends them to movable allocations. A bitmap with one
 * bit per {@code 2^orderPerBit} pages (DMA areas use 0: a bit per page); a set bit means "taken
 * by cma_alloc", independent of what the buddy allocator currently does with the page.
 *
 * <p><b>Allocation</b> ({@code cma_alloc}). A request for {@code n} pages aligned to
 * {@code 2^align} pages is a search for {@code ceil(n / 2^orderPerBit)} clear bits. The start
 * bit must satisfy an alignment mask ({@code 2^(align - orderPerBit) - 1}) after adding an
 * offset that compensates for a base pfn not aligned to the order, so that the physical pfn,
 * not the bit index, comes out aligned ({@code cma_bitmap_aligned_offset}). The search is
 * first fit from bit 0 ({@code bitmap_find_next_zero_area_off}). The bits are set under the
 * area lock, the lock is dropped, and {@code alloc_contig_range} is asked for exactly {@code n}
 * pages under the platform-wide {@code cma_mutex}; it migrates movable pages out of the range.
 * When it answers -EBUSY (an unmovable or pinned page sits in the range) the bits are cleared
 * and the search resumes at {@code bitmap_no + mask + 1}, the next aligned candidate; any other
 * error ends the attempt. No fit returns -ENOMEM; a search that ran out after a busy range
 * reports the last -EBUSY. The area never rounds {@code n} up to a power of two. A failure is
 * logged ({@code pr_err_ratelimited}, see {@link org.dmasim.api.platform.Ratelimit}) unless no_warn, and every call ends
 * in the CMA_ALLOC_SUCCESS or CMA_ALLOC_FAIL vm event and the area's sysfs page counters; the
 * early exits (no pages, no bitmap, count 0, count above the area) count as failures without a
 * message, as 6.1's {@code goto out} does. CONFIG_CMA_DEBUG's free-range dump is not printed
 * (Debian does not enable it).
 *
 * <p><b>Release</b> ({@code cma_release}). A pfn outside the area is not ours (false, the
 * caller frees elsewhere). Otherwise the pages go back to the buddy allocator one by one
 * ({@code free_contig_range}) and their bits are cleared. The kernel trusts the caller here;
 * the simulator checks that every bit is set first and refuses the call otherwise.
 *
 * <p><b>Locking.</b> {@code lock} plays {@code cma->lock} (a spinlock in 6.1) for the bitmap
 * and the used count; {@link CmaGlobals#cmaMutex} plays {@code cma_mutex}. Release holds the
 * area lock across its check, the free and the clear so that a refused call changes nothing;
 * the lock order is always area lock, then the allocator's lock, never the reverse.
 */
final class Cma implements CmaArea {
    private final String name;
    private final long basePfn;
    private final int orderPerBit;
    private final Object lock = new Object();
    private final AtomicLong pagesSucceeded = new AtomicLong();
    private final AtomicLong pagesFailed = new AtomicLong();
    // Guarded by lock.
    private long count;
    private BitSet bitmap;
    private long usedBits;
    private final CmaGlobals globals;
    // Set once by activate(), before the area is published for run time.
    private volatile PageAllocator allocator;

    Cma(String name, long basePfn, long count, int orderPerBit, CmaGlobals globals) {
        this.globals = globals;
        this.name = name;
        this.basePfn = basePfn;
        this.count = count;
        this.orderPerBit = orderPerBit;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long basePfn() {
        return basePfn;
    }

    @Override
    public long count() {
        synchronized (lock) {
            return count;
        }
    }

    @Override
    public int orderPerBit() {
        return orderPerBit;
    }

    @Override
    public boolean active() {
        synchronized (lock) {
            return bitmap != null;
        }
    }

    /** {@code cma_activate_area} succeeded: an empty bitmap, and the allocator to take pages from. */
    void activate(PageAllocator pages) {
        synchronized (lock) {
            this.allocator = pages;
            bitmap = new BitSet((int) bitmapMaxno());
            usedBits = 0;
        }
    }

    /** Activation failed: the area keeps its name but no pages ({@code cma->count = 0}). */
    void drop() {
        synchronized (lock) {
            count = 0;
            bitmap = null;
            usedBits = 0;
        }
    }

    /** {@code cma_bitmap_maxno}. Caller holds lock. */
    private long bitmapMaxno() {
        return count >>> orderPerBit;
    }

    private long bitmapAlignedMask(int align) {
        return align <= orderPerBit ? 0 : (1L << (align - orderPerBit)) - 1;
    }

    private long bitmapAlignedOffset(int align) {
        return (basePfn & ((1L << align) - 1)) >>> orderPerBit;
    }

    private long pagesToBits(long pages) {
        return (pages + (1L << orderPerBit) - 1) >>> orderPerBit;
    }

    @Override
    public long alloc(long pages, int align, boolean noWarn) {
        if (pages < 0) {
            throw new IllegalArgumentException(String.format(
                "cma_alloc: %s: count %d: the page count must not be negative", name, pages));
        }
        if (align < 0 || align > 63) {
            throw new IllegalArgumentException(String.format(
                "cma_alloc: %s: align %d: the alignment order must be 0..63", name, align));
        }
        long maxno;
        synchronized (lock) {
            maxno = bitmap == null ? 0 : bitmapMaxno();
        }
        // 6.1 jumps straight to the accounting for an area without pages or bitmap, a zero
        // count, and a request larger than the area: NULL, a CMA_ALLOC_FAIL event, no message.
        if (maxno == 0 || pages == 0 || pagesToBits(pages) > maxno) {
            return accountFail(pages);
        }
        long mask = bitmapAlignedMask(align);
        long offset = bitmapAlignedOffset(align);
        long bits = pagesToBits(pages);
        long start = 0;
        int ret = -Errno.ENOMEM;
        long pfn = -1;
        boolean ok = false;
        while (true) {
            long no;
            synchronized (lock) {
                no = findZeroAreaOff(maxno, start, bits, mask, offset);
                if (Long.compareUnsigned(no, maxno) >= 0) {
                    break;
                }
                setBits(no, bits);
            }
            // The bits reserve the range for us, so alloc_contig_range runs without the area lock.
            pfn = basePfn + (no << orderPerBit);
            ret = contigRange(pfn, pages, no, bits);
            if (ret == 0) {
                ok = true;
                break;
            }
            synchronized (lock) {
                clearBits(no, bits);
            }
            if (ret != -Errno.EBUSY) {
                break;
            }
            // Try again with the next aligned candidate past the busy start.
            start = no + mask + 1;
        }
        if (!ok) {
            if (!noWarn && globals.allocFailRatelimit.allow(globals.clock, globals.log::warn)) {
                globals.log.err(String.format("cma: cma_alloc: %s: alloc failed, req-size: %d pages, ret: %d",
                    name, pages, ret));
            }
            return accountFail(pages);
        }
        globals.allocSuccess.incrementAndGet();
        pagesSucceeded.addAndGet(pages);
        return pfn;
    }

    /** alloc_contig_range under cma_mutex; a throwing allocator leaves the bitmap as it was. */
    private int contigRange(long pfn, long pages, long no, long bits) {
        globals.cmaMutex.lock();
        try {
            return allocator.allocContigRange(pfn, pfn + pages);
        } catch (RuntimeException e) {
            synchronized (lock) {
                clearBits(no, bits);
            }
            throw e;
        } finally {
            globals.cmaMutex.unlock();
        }
    }

    private long accountFail(long pages) {
        globals.allocFail.incrementAndGet();
        pagesFailed.addAndGet(pages);
        return -1;
    }

    private void setBits(long no, long bits) {
        bitmap.set((int) no, (int) (no + bits));
        usedBits += bits;
    }

    private void clearBits(long no, long bits) {
        bitmap.clear((int) no, (int) (no + bits));
        usedBits -= bits;
    }

    /**
     * {@code bitmap_find_next_zero_area_off}: the first index at or after {@code start} whose
     * {@code nr} bits are clear and for which {@code index + alignOffset} is a multiple of
     * {@code alignMask + 1}; a value past {@code size} when there is none. Caller holds lock.
     */
    private long findZeroAreaOff(long size, long start, long nr, long alignMask, long alignOffset) {
        // Unsigned arithmetic as in the kernel: a huge mask (align near 63) wraps the same way
        // and then fails the end > size test instead of looking like a small index.
        long index = start;
        while (true) {
            index = Long.compareUnsigned(index, size) >= 0 ? size : Math.min(bitmap.nextClearBit((int) index), size);
            index = ((index + alignOffset + alignMask) & ~alignMask) - alignOffset;
            long end = index + nr;
            if (Long.compareUnsigned(end, size) > 0 || Long.compareUnsigned(index, size) > 0) {
                return Long.compareUnsigned(end, size) > 0 ? end : size;
            }
            int set = bitmap.nextSetBit((int) index);
            if (set < 0 || set >= end) {
                return index;
            }
            index = set + 1;
        }
    }

    @Override
    public boolean release(long pfn, long pages) {
        if (pages < 0) {
            throw new IllegalArgumentException(String.format(
                "cma_release: %s: pfn %#x count %d: the page count must not be negative", name, pfn, pages));
        }
        synchronized (lock) {
            // cma_pages_valid(): not ours when the first pfn lies outside the area.
            if (pfn < basePfn || pfn >= basePfn + count) {
                return false;
            }
            if (bitmap == null) {
                throw new IllegalArgumentException(String.format(
                    "cma_release: %s: pfn %#x count %d: the area is not activated, nothing can be allocated"
                        + " from it", name, pfn, pages));
            }
            if (pages > basePfn + count - pfn) {
                throw new IllegalArgumentException(String.format(
                    "cma_release: %s: pfn %#x + %d pages runs past the area end %#x (VM_BUG_ON in the kernel);"
                        + " nothing was released", name, pfn, pages, basePfn + count));
            }
            long no = (pfn - basePfn) >>> orderPerBit;
            long bits = pagesToBits(pages);
            int hole = bitmap.nextClearBit((int) no);
            if (hole < no + bits) {
                throw new IllegalArgumentException(String.format(
                    "cma_release: %s: pfn %#x + %d pages: pfn %#x is not allocated from this area (the kernel"
                        + " would free pages it does not own and corrupt the bitmap); nothing was released",
                    name, pfn, pages, basePfn + ((long) hole << orderPerBit)));
            }
            if (pages > 0) {
                // free_contig_range; it refuses pages that are not allocated and then changes nothing.
                allocator.freeContigRange(pfn, pages);
            }
            clearBits(no, bits);
            return true;
        }
    }

    @Override
    public long used() {
        synchronized (lock) {
            return usedBits << orderPerBit;
        }
    }

    @Override
    public long maxchunk() {
        synchronized (lock) {
            return maxchunkLocked();
        }
    }

    /** {@code cma_maxchunk_get}: longest run of clear bits, in pages. Caller holds lock. */
    private long maxchunkLocked() {
        long maxno = bitmap == null ? 0 : bitmapMaxno();
        long maxchunk = 0;
        long end = 0;
        while (true) {
            long start = Math.min(bitmap == null ? maxno : bitmap.nextClearBit((int) end), maxno);
            if (start >= maxno) {
                break;
            }
            int set = bitmap.nextSetBit((int) start);
            end = set < 0 || set > maxno ? maxno : set;
            maxchunk = Math.max(end - start, maxchunk);
        }
        return maxchunk << orderPerBit;
    }

    @Override
    public long allocPagesSuccess() {
        return pagesSucceeded.get();
    }

    @Override
    public long allocPagesFail() {
        return pagesFailed.get();
    }

    @Override
    public Map<String, String> debugfs() {
        synchronized (lock) {
            Map<String, String> files = new LinkedHashMap<>();
            files.put("base_pfn", CmaDebugfs.u64(basePfn));
            files.put("count", CmaDebugfs.u64(count));
            files.put("order_per_bit", CmaDebugfs.u64(orderPerBit));
            files.put("used", CmaDebugfs.u64(usedBits << orderPerBit));
            files.put("maxchunk", CmaDebugfs.u64(maxchunkLocked()));
            long maxno = bitmap == null ? 0 : bitmapMaxno();
            files.put("bitmap", CmaDebugfs.u32Array(bitmap == null ? new long[0] : bitmap.toLongArray(), maxno));
            return files;
        }
    }

    @Override
    public Map<String, String> sysfs() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("alloc_pages_success", CmaDebugfs.u64(pagesSucceeded.get()));
        files.put("alloc_pages_fail", CmaDebugfs.u64(pagesFailed.get()));
        return files;
    }

    /** Bits set in the bitmap, for consistency checks in tests. */
    long bitmapWeight() {
        synchronized (lock) {
            return bitmap == null ? 0 : bitmap.cardinality();
        }
    }

    @Override
    public String toString() {
        return String.format("cma %s: base_pfn %#x count %d", name, basePfn, count());
    }
}
