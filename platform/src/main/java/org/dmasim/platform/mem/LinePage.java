package org.dmasim.platform.mem;

import java.util.Arrays;

/**
 * The cached lines of one 4 KiB page: 64 lines of 64 bytes, one bit each in three bitmaps, and
 * the cached bytes at their page offsets. Guarded by its own monitor.
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
 */
final class LinePage {
    final long pfn;
    long present;
    long dirty;
    long ramChanged;
    byte[] data;
    boolean dead;
    /** Index in the evictor's list of pages with cached lines; -1 while not listed. */
    int victimSlot = -1;

    LinePage(long pfn) {
        this.pfn = pfn;
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
