package org.dmasim.platform.mem;

import java.util.Arrays;
import org.dmasim.api.platform.SpinLock;

/**
 * The cached lines of one 4 KiB page: 64 lines of 64 bytes, one bit each in three bitmaps, and
 * the cached bytes at their page offsets. Guarded by its own lock ({@link SpinLock}).
 *
 * <pre>
 * present    bit i: line i is cached
 * dirty      bit i: cached line i holds stores RAM has not seen        (subset of present)
 * ramChanged bit i: RAM under cached line i was written behind the cache (subset of present)
 * data       byte[4096], or null while every present line holds zeros
 * </pre>
 * Bytes of lines that are not present mean nothing; a fill overwrites them. A page leaves the
 * cache's table when its last line goes and is then {@link #dead}: whoever locks a dead page
 * looks the pfn up again.
 *
 * <p><b>Layout.</b> Every CPU access and every copy locks the page it touches, so two simulated
 * CPUs working on two pages must not meet on a host cache line through these objects: the lock is
 * the {@link SpinLock} word this class extends (128 bytes of padding before it), the words follow,
 * and 128 bytes of padding end the object. With the entry's monitor as the lock, the collector
 * laid the entries of two threads' buffers (neighbouring pfns) or a page's bytes and the next
 * page's entry on shared host cache lines, and one CPU locking its page stalled another CPU
 * reading its own page next door on every access. The padding costs 256 bytes per cached page,
 * next to the page's 4 KiB of bytes. The lock is held for one page's bookkeeping and at most a
 * page of bytes; the one path that holds two pages (a copy) takes them in pfn order and one page
 * once (the lock is not reentrant).
 */
final class LinePage extends LinePageWords {
    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16;

    LinePage(long pfn) {
        super(pfn);
    }

    byte[] data() {
        if (data == null) {
            data = new byte[PagedMemory.PAGE];
        }
        return data;
    }

    void copyOut(int in, byte[] dst, int off, int n) {
        if (data == null) {
            Arrays.fill(dst, off, off + n, (byte) 0);
        } else {
            System.arraycopy(data, in, dst, off, n);
        }
    }

    /** Whether the cached bytes [from, to) differ from {@code ram} (the RAM page, null for zeros). */
    boolean differs(byte[] ram, int from, int to) {
        if (data == null && ram == null) {
            return false;
        }
        if (data == null || ram == null) {
            return !SparseRam.allZero(data == null ? ram : data, from, to - from);
        }
        return Arrays.mismatch(data, from, to, ram, from, to) >= 0;
    }
}

/** {@link LinePage}'s words, laid out after the lock word. */
abstract class LinePageWords extends SpinLock {
    final long pfn;
    long present;
    long dirty;
    long ramChanged;
    byte[] data;
    boolean dead;
    /** Index in the evictor's list of pages with cached lines; -1 while not listed. */
    int victimSlot = -1;

    LinePageWords(long pfn) {
        this.pfn = pfn;
    }
}
