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

    @Override
    public void copy(long dstPhys, long srcPhys, long len) {
        check("copy source", srcPhys, len);
        check("copy destination", dstPhys, len);
        // Through a bounded buffer: memmove semantics come from copying in the safe direction.
        byte[] buf = new byte[PAGE];
        if (dstPhys <= srcPhys || dstPhys >= srcPhys + len) {
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
