package org.dmasim.api.platform;

import java.lang.ref.WeakReference;
import java.util.function.Supplier;

/**
 * Which simulated CPU the calling Java thread runs on, for the per-CPU parts of the kernel
 * (page allocator pcp lists, swiotlb areas, IOVA caches). A thread runs on CPU 0 until it
 * binds itself elsewhere; the value is taken modulo the platform's CPU count by each user, so
 * one binding serves platforms of any size. Deterministic by design: the simulator never
 * migrates a thread by itself.
 *
 * <p><b>Layout.</b> Asked on every per-CPU step of a map or an allocation and told once per
 * thread, so the bindings are an immutable open-addressing table keyed by thread id (ids are
 * never reused), replaced whole by each {@link #bind}: a look-up is a load of the table, a hash
 * and, for a thread that never bound (CPU 0), one empty slot, where a {@link ThreadLocal} would
 * walk the thread's map and dereference a weak key. A binding to CPU 0 is no entry at all, and
 * each rebuild drops the entries of threads that ended.
 */
public final class SimCpu {
    /** One thread's binding; the thread is kept weakly, only to drop the entry once it ended. */
    private record Binding(long tid, int cpu, WeakReference<Thread> thread) {
        boolean ended() {
            Thread t = thread.get();
            return t == null || !t.isAlive();
        }
    }

    private static final int MIN_SLOTS = 16;
    private static volatile Binding[] bindings = new Binding[MIN_SLOTS];

    private SimCpu() {
    }

    private static int home(long tid, int slots) {
        long h = tid * 0x9e3779b97f4a7c15L;
        return (int) (h ^ (h >>> 32)) & (slots - 1);
    }

    /** {@code raw_smp_processor_id()} of the calling thread. */
    public static int current() {
        long tid = Thread.currentThread().getId();
        Binding[] t = bindings;
        int mask = t.length - 1;
        for (int i = home(tid, t.length); ; i = (i + 1) & mask) {
            Binding b = t[i];
            if (b == null) {
                return 0;
            }
            if (b.tid == tid) {
                return b.cpu;
            }
        }
    }

    /** Binds the calling thread to a CPU until it binds again. */
    public static void bind(int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu: " + cpu + " (expected: >= 0)");
        }
        rebind(Thread.currentThread(), cpu);
    }

    /** A new table: every live binding but the thread's old one, plus its new one unless CPU 0. */
    private static synchronized void rebind(Thread me, int cpu) {
        long tid = me.getId();
        java.util.List<Binding> keep = new java.util.ArrayList<>();
        for (Binding b : bindings) {
            if (b != null && b.tid != tid && !b.ended()) {
                keep.add(b);
            }
        }
        if (cpu != 0) {
            keep.add(new Binding(tid, cpu, new WeakReference<>(me)));
        }
        int slots = MIN_SLOTS;
        while (slots < keep.size() * 2) {
            slots <<= 1;
        }
        Binding[] next = new Binding[slots];
        for (Binding b : keep) {
            int i = home(b.tid, slots);
            while (next[i] != null) {
                i = (i + 1) & (slots - 1);
            }
            next[i] = b;
        }
        bindings = next;
    }

    /** Slots of the current table (for tests of its upkeep). */
    static int slots() {
        return bindings.length;
    }

    /** Runs work on a CPU and restores the previous binding afterwards. */
    public static <T> T on(int cpu, Supplier<T> work) {
        int previous = current();
        bind(cpu);
        try {
            return work.get();
        } finally {
            bind(previous);
        }
    }
}
