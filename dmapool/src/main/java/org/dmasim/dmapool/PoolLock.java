package org.dmasim.dmapool;

import org.dmasim.api.platform.SpinLock;

/**
 * The part of a pool every alloc and free writes: its {@code spinlock_t} and the pool's hot
 * words (the kernel keeps {@code lock}, {@code next_block} and {@code nr_active} together in
 * {@code struct dma_pool} for the same reason). The lock is the {@link SpinLock} word this class
 * extends, with its padding before; the hot words follow and padding ends the object, so two
 * pools used by two CPUs never share a line, even after the garbage collector has copied their
 * objects next to each other. Held only around pool state, never across
 * {@code dma_alloc_coherent}.
 */
final class PoolLock extends PoolLockHot {
    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16;
}

/** Hot words an engine keeps under its {@link PoolLock} (their meaning is the engine's). */
abstract class PoolLockHot extends SpinLock {
    /** 6.4: the free stack's head block. */
    int head;
    /** The chunk the last free found (frees tend to follow each other through a chunk). */
    int lastFound;
    /** 6.4: {@code nr_active}. */
    long active;
}
