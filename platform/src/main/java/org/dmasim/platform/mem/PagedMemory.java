package org.dmasim.platform.mem;

import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Page;

/**
 * A {@link PhysMemory} that works page by page: a range is checked once, then cut at page
 * boundaries and each piece handed to the view's chunk operations. RAM and every view the CPU
 * cache offers (CPU, non-cacheable, device ports) share these loops.
 */
abstract class PagedMemory implements PhysMemory {
    static final int PAGE = (int) Page.PAGE_SIZE;
    /** The CPU cache model's line (a copy's pieces may split one). */
    static final int LINE = 64;

    /** Refuses a range that is not wholly RAM, naming the access and the range. */
    abstract void check(String what, long phys, long len);

    /** [in, in + n) of page pfn into dst[off..]. */
    abstract void readChunk(long pfn, int in, byte[] dst, int off, int n);

    abstract void writeChunk(long pfn, int in, byte[] src, int off, int n);

    abstract void fillChunk(long pfn, int in, int n, byte value);

    @Override
    public void read(long phys, byte[] dst, int off, int len) {
        check("read", phys, len);
        while (len > 0) {
            int in = (int) (phys & (PAGE - 1));
            int n = Math.min(len, PAGE - in);
            readChunk(phys >>> Page.PAGE_SHIFT, in, dst, off, n);
            phys += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public void write(long phys, byte[] src, int off, int len) {
        check("write", phys, len);
        while (len > 0) {
            int in = (int) (phys & (PAGE - 1));
            int n = Math.min(len, PAGE - in);
            writeChunk(phys >>> Page.PAGE_SHIFT, in, src, off, n);
            phys += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public void fill(long phys, long len, byte value) {
        check("fill", phys, len);
        while (len > 0) {
            int in = (int) (phys & (PAGE - 1));
            int n = (int) Math.min(len, PAGE - in);
            fillChunk(phys >>> Page.PAGE_SHIFT, in, n, value);
            phys += n;
            len -= n;
        }
    }

    /**
     * Whether {@link #copyChunk} moves bytes page to page. Views that do not (and the CPU cache
     * model with eviction on, whose evictor must draw after each load and store as it always did)
     * copy through a bounded buffer: a read of up to a page, then its write.
     */
    boolean copiesPageToPage() {
        return false;
    }

    /**
     * [srcIn, srcIn + n) of page srcPfn to [dstIn, dstIn + n) of page dstPfn, both ranges checked
     * (the same page with overlapping ranges included: memmove), when {@link #copiesPageToPage}.
     *
     * <p>Pieces are cut at both sides' page boundaries, so a 64-byte line of either side may span
     * two pieces; a view that tracks lines treats the copy as one load and one store:
     *
     * @param loadedLine the page offset of a source byte whose line the copy's previous piece
     *     loaded already (counted there), or -1
     * @param dstFrom the first byte of the page the whole copy stores to (at most {@code dstIn})
     * @param dstTo one past its last (at least {@code dstIn + n})
     * @param srcFrom the first byte of the source page the whole copy loads (at most {@code srcIn})
     * @param srcTo one past its last (at least {@code srcIn + n}): a line this piece shares with the
     *     next one is judged on all the bytes the copy loads from it, as one load of the source would
     */
    void copyChunk(long dstPfn, int dstIn, long srcPfn, int srcIn, int n, int loadedLine, int dstFrom, int dstTo,
        int srcFrom, int srcTo) {
        throw new UnsupportedOperationException("copyChunk without copiesPageToPage");
    }

    @Override
    public void copy(long dstPhys, long srcPhys, long len) {
        check("copy source", srcPhys, len);
        check("copy destination", dstPhys, len);
        boolean forward = dstPhys <= srcPhys || dstPhys >= srcPhys + len;
        if (!copiesPageToPage()) {
            copyThroughBuffer(dstPhys, srcPhys, len, forward);
        } else if (forward) {
            // Pieces that lie in one page on both sides, in the safe direction for memmove (a
            // piece within one page is itself copied as memmove).
            for (long done = 0; done < len; ) {
                long s = srcPhys + done;
                long d = dstPhys + done;
                int in = (int) (s & (PAGE - 1));
                int n = (int) Math.min(len - done, PAGE - Math.max(in, d & (PAGE - 1)));
                int loaded = done > 0 && (s & (LINE - 1)) != 0 ? in : -1;
                piece(dstPhys, d, s, n, len, loaded);
                done += n;
            }
        } else {
            for (long left = len; left > 0; ) {
                long sEnd = srcPhys + left;
                long dEnd = dstPhys + left;
                int n = (int) Math.min(left, Math.min(((sEnd - 1) & (PAGE - 1)) + 1, ((dEnd - 1) & (PAGE - 1)) + 1));
                long s = sEnd - n;
                long d = dEnd - n;
                int in = (int) (s & (PAGE - 1));
                int loaded = left < len && (sEnd & (LINE - 1)) != 0 ? in + n - 1 : -1;
                piece(dstPhys, d, s, n, len, loaded);
                left -= n;
            }
        }
    }

    /** One piece of a copy to [dstPhys, dstPhys + len): {@code n} bytes from {@code s} to {@code d}. */
    private void piece(long dstPhys, long d, long s, int n, long len, int loaded) {
        long page = d & -PAGE;
        int dstFrom = (int) (Math.max(dstPhys, page) - page);
        int dstTo = (int) (Math.min(dstPhys + len, page + PAGE) - page);
        long srcPhys = s - (d - dstPhys);
        long srcPage = s & -PAGE;
        int srcFrom = (int) (Math.max(srcPhys, srcPage) - srcPage);
        int srcTo = (int) (Math.min(srcPhys + len, srcPage + PAGE) - srcPage);
        copyChunk(d >>> Page.PAGE_SHIFT, (int) (d & (PAGE - 1)), s >>> Page.PAGE_SHIFT, (int) (s & (PAGE - 1)), n,
            loaded, dstFrom, dstTo, srcFrom, srcTo);
    }

    /** Through a bounded buffer: memmove semantics come from copying in the safe direction. */
    private void copyThroughBuffer(long dstPhys, long srcPhys, long len, boolean forward) {
        byte[] buf = new byte[(int) Math.min(PAGE, len)];
        if (forward) {
            for (long done = 0; done < len; done += PAGE) {
                int n = (int) Math.min(PAGE, len - done);
                read(srcPhys + done, buf, 0, n);
                write(dstPhys + done, buf, 0, n);
            }
        } else {
            for (long left = len; left > 0; left -= PAGE) {
                int n = (int) Math.min(PAGE, left);
                read(srcPhys + left - n, buf, 0, n);
                write(dstPhys + left - n, buf, 0, n);
            }
        }
    }
}
