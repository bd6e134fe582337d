package org.dmasim.testing;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Page;

/**
 * RAM for tests: one bank [start, end), sparse like the platform's (a page holds bytes once
 * something non-zero was written into it; a never-written page reads as zeros). Accesses are
 * copied page by page, so tests that move a lot of bytes stay fast. Thread-safe (one lock).
 */
public final class FakeRam implements PhysMemory {
    private final long start;
    private final long end;
    private final Map<Long, byte[]> pages = new HashMap<>();

    public FakeRam(long start, long end) {
        if (Long.compareUnsigned(start, end) >= 0) {
            throw new IllegalArgumentException(String.format("fake RAM [%#x, %#x) is empty", start, end));
        }
        this.start = start;
        this.end = end;
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }

    private void check(long phys, long len) {
        if (!isRam(phys, len)) {
            throw new IllegalArgumentException(String.format("[%#x, +%d) is not RAM", phys, len));
        }
    }

    private static int offset(long phys) {
        return (int) (phys & (Page.PAGE_SIZE - 1));
    }

    /** Bytes from phys up to the end of its page, at most {@code left}. */
    private static int chunk(long phys, long left) {
        return (int) Math.min(left, Page.PAGE_SIZE - offset(phys));
    }

    @Override
    public synchronized void read(long phys, byte[] dst, int off, int len) {
        check(phys, len);
        for (int done = 0; done < len; ) {
            long p = phys + done;
            int n = chunk(p, len - done);
            byte[] page = pages.get(p >>> Page.PAGE_SHIFT);
            if (page == null) {
                Arrays.fill(dst, off + done, off + done + n, (byte) 0);
            } else {
                System.arraycopy(page, offset(p), dst, off + done, n);
            }
            done += n;
        }
    }

    @Override
    public synchronized void write(long phys, byte[] src, int off, int len) {
        check(phys, len);
        for (int done = 0; done < len; ) {
            long p = phys + done;
            int n = chunk(p, len - done);
            byte[] page = pages.get(p >>> Page.PAGE_SHIFT);
            if (page == null && !allZero(src, off + done, n)) {
                page = new byte[(int) Page.PAGE_SIZE];
                pages.put(p >>> Page.PAGE_SHIFT, page);
            }
            if (page != null) {
                System.arraycopy(src, off + done, page, offset(p), n);
            }
            done += n;
        }
    }

    private static boolean allZero(byte[] b, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void fill(long phys, long len, byte value) {
        check(phys, len);
        for (long done = 0; done < len; ) {
            long p = phys + done;
            int n = chunk(p, len - done);
            long pfn = p >>> Page.PAGE_SHIFT;
            byte[] page = pages.get(pfn);
            if (value == 0 && n == Page.PAGE_SIZE) {
                pages.remove(pfn);
            } else {
                if (page == null && value != 0) {
                    page = new byte[(int) Page.PAGE_SIZE];
                    pages.put(pfn, page);
                }
                if (page != null) {
                    Arrays.fill(page, offset(p), offset(p) + n, value);
                }
            }
            done += n;
        }
    }

    @Override
    public synchronized void copy(long dstPhys, long srcPhys, long len) {
        check(dstPhys, len);
        byte[] b = read(srcPhys, (int) len);
        write(dstPhys, b);
    }

    @Override
    public boolean isRam(long phys, long len) {
        return len >= 0 && Long.compareUnsigned(phys, start) >= 0 && Long.compareUnsigned(phys + len, end) <= 0
            && Long.compareUnsigned(phys + len, phys) >= 0;
    }

    @Override
    public synchronized long materialisedPages() {
        return pages.size();
    }
}
