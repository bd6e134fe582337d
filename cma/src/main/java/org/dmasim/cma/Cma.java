package org.dmasim.cma;

import java.util.BitSet;
import org.dmasim.api.cma.CmaArea;

/**
 * One CMA area ({@code mm/cma.c}, 6.1).
 *
 * <p>Layout: pages [basePfn, basePfn + count) in one zone; a bitmap with one bit per
 * {@code 2^orderPerBit} pages (0 for DMA areas: a bit per page), set = allocated.
 *
 * <p>Allocation ({@code cma_alloc}): a request for {@code n} pages aligned to {@code 2^align}
 * pages becomes a bitmap search for {@code n >> orderPerBit} clear bits whose start satisfies
 * the alignment mask after an offset that makes the physical pfn, not the bit index, aligned
 * ({@code cma_bitmap_aligned_offset}). The search is first fit from bit 0; exactly {@code n}
 * pages are taken, never rounded up to a power of two. Migration of movable pages out of the
 * range and the retry past busy ranges belong to the run-time allocator (issue 3).
 */
final class Cma implements CmaArea {
    private final String name;
    private final long basePfn;
    private long count;
    private final int orderPerBit;
    private BitSet bitmap;
    private boolean active;
    private long used;

    Cma(String name, long basePfn, long count, int orderPerBit) {
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
    public synchronized long count() {
        return count;
    }

    @Override
    public int orderPerBit() {
        return orderPerBit;
    }

    @Override
    public synchronized boolean active() {
        return active;
    }

    synchronized void activate() {
        bitmap = new BitSet((int) bitmapMaxno());
        active = true;
    }

    /** Activation failed: the area keeps its name but no pages. */
    synchronized void drop() {
        count = 0;
        active = false;
    }

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
    public synchronized long alloc(long pages, int align, boolean noWarn) {
        if (!active || pages <= 0 || count == 0) {
            return -1;
        }
        long mask = bitmapAlignedMask(align);
        long offset = bitmapAlignedOffset(align);
        long maxno = bitmapMaxno();
        long bits = pagesToBits(pages);
        if (bits > maxno) {
            return -1;
        }
        long no = findZeroAreaOff(maxno, 0, bits, mask, offset);
        if (no >= maxno) {
            return -1;
        }
        bitmap.set((int) no, (int) (no + bits));
        used += bits << orderPerBit;
        return basePfn + (no << orderPerBit);
    }

    /** {@code bitmap_find_next_zero_area_off}. */
    private long findZeroAreaOff(long size, long start, long nr, long alignMask, long alignOffset) {
        long index = start;
        while (true) {
            index = bitmap.nextClearBit((int) index);
            index = ((index + alignOffset + alignMask) & ~alignMask) - alignOffset;
            long end = index + nr;
            if (end > size) {
                return end;
            }
            int set = bitmap.nextSetBit((int) index);
            if (set < 0 || set >= end) {
                return index;
            }
            index = set + 1;
        }
    }

    @Override
    public synchronized boolean release(long pfn, long pages) {
        if (!active || pfn < basePfn || pfn >= basePfn + count) {
            return false;
        }
        if (pfn + pages > basePfn + count) {
            throw new IllegalArgumentException(String.format(
                "cma_release: %s: range pfn %#x + %d pages runs past the area end %#x", name, pfn, pages, basePfn + count));
        }
        long no = (pfn - basePfn) >>> orderPerBit;
        long bits = pagesToBits(pages);
        for (long b = no; b < no + bits; b++) {
            if (!bitmap.get((int) b)) {
                throw new IllegalArgumentException(String.format(
                    "cma_release: %s: pfn %#x + %d pages includes pages that are not allocated", name, pfn, pages));
            }
        }
        bitmap.clear((int) no, (int) (no + bits));
        used -= bits << orderPerBit;
        return true;
    }

    @Override
    public synchronized long used() {
        return used;
    }

    @Override
    public String toString() {
        return String.format("cma %s: base_pfn %#x count %d", name, basePfn, count);
    }
}
