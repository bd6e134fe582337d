package org.dmasim.api.platform;

import java.util.function.Supplier;

/**
 * Which simulated CPU the calling Java thread runs on, for the per-CPU parts of the kernel
 * (page allocator pcp lists, swiotlb areas, IOVA caches). A thread runs on CPU 0 until it
 * binds itself elsewhere; the value is taken modulo the platform's CPU count by each user, so
 * one binding serves platforms of any size. Deterministic by design: the simulator never
 * migrates a thread by itself.
 */
public final class SimCpu {
    private static final ThreadLocal<int[]> CURRENT = ThreadLocal.withInitial(() -> new int[1]);

    private SimCpu() {
    }

    /** {@code raw_smp_processor_id()} of the calling thread. */
    public static int current() {
        return CURRENT.get()[0];
    }

    /** Binds the calling thread to a CPU until it binds again. */
    public static void bind(int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu: " + cpu + " (expected: >= 0)");
        }
        CURRENT.get()[0] = cpu;
    }

    /** Runs work on a CPU and restores the previous binding afterwards. */
    public static <T> T on(int cpu, Supplier<T> work) {
        int[] slot = CURRENT.get();
        int previous = slot[0];
        bind(cpu);
        try {
            return work.get();
        } finally {
            slot[0] = previous;
        }
    }
}
