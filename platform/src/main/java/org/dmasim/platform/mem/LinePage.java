package org.dmasim.platform.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The cached lines of one 4 KiB page: 64 lines of 64 bytes, one bit each in three bitmaps, and
 * the cached bytes at their page offsets. Guarded by its own lock ({@link #lock}).
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
 * CPUs working on two pages must not meet on a host cache line through these objects. The words
 * sit between 128 bytes of padding before (a superclass's fields, laid out first) and 128 after,
 * and the lock is a word among them instead of the object's monitor: taking a monitor writes the
 * object header, which no padding keeps away from whatever the collector puts just before the
 * object (the tail of another page's bytes, another page's entry), and one CPU locking its page
 * then stalled another CPU reading its own page next door on every access. The padding costs
 * 256 bytes per cached page, next to the page's 4 KiB of bytes.
 *
 * <p>The lock spins ({@link Thread#onSpinWait}) and yields to the scheduler after a while; it is
 * held for one page's bookkeeping and at most a page of bytes. Not reentrant: the one path that
 * holds two pages (a copy) takes them in pfn order and one page once.
 */
final class LinePage extends LinePageWords {
    private static final VarHandle LOCK;
    private static final int SPINS = 128;

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(LinePageWords.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16;

    LinePage(long pfn) {
        super(pfn);
    }

    void lock() {
        int spins = 0;
        while (!LOCK.compareAndSet(this, 0, 1)) {
            if (++spins < SPINS) {
                Thread.onSpinWait();
            } else {
                spins = 0;
                Thread.yield();
            }
        }
    }

    void unlock() {
        LOCK.setRelease(this, 0);
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

/** 128 bytes that keep {@link LinePage}'s words away from its header and what precedes it. */
abstract class LinePagePad {
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15, p16;
    /** Fills the gap after a compressed header, where the JVM would otherwise put a subclass's int. */
    @SuppressWarnings("unused")
    private int p0;
}

/** {@link LinePage}'s words, laid out after the padding. */
abstract class LinePageWords extends LinePagePad {
    final long pfn;
    long present;
    long dirty;
    long ramChanged;
    byte[] data;
    boolean dead;
    /** Index in the evictor's list of pages with cached lines; -1 while not listed. */
    int victimSlot = -1;
    /** 1 while a thread holds the page ({@link LinePage#lock}). */
    int lock;

    LinePageWords(long pfn) {
        this.pfn = pfn;
    }
}
