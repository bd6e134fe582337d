package org.dmasim.dmapool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The part of a pool every alloc and free writes: its {@code spinlock_t} and the pool's hot
 * words (the kernel keeps {@code lock}, {@code next_block} and {@code nr_active} together in
 * {@code struct dma_pool} for the same reason). The object is padded to cache lines of its
 * own (the padding fields live in the superclasses and the subclass, because the JVM lays out
 * superclass fields first), so two pools used by two CPUs never share a line, even after the
 * garbage collector has copied their objects next to each other.
 *
 * <p>The lock is test-and-test-and-set, as in the kernel: taking it is one CAS, releasing it a
 * release store (a {@code ReentrantLock} pays a second fenced write on release, most of the
 * cost of an uncontended pool call). A waiter spins briefly, then yields, because unlike a
 * kernel CPU holding a spinlock with interrupts off, a Java holder can be descheduled. Not
 * reentrant; held only around pool state, never across {@code dma_alloc_coherent}.
 */
final class PoolLock extends PoolLockHot {
    private static final VarHandle STATE;
    private static final int SPINS_BEFORE_YIELD = 128;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PoolLockWord.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long q0, q1, q2, q3, q4, q5, q6, q7;

    void lock() {
        if (!STATE.compareAndSet((PoolLockWord) this, 0, 1)) {
            contended();
        }
    }

    private void contended() {
        int spins = 0;
        while (true) {
            if ((int) STATE.getOpaque((PoolLockWord) this) == 0 && STATE.compareAndSet((PoolLockWord) this, 0, 1)) {
                return;
            }
            if (++spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    void unlock() {
        STATE.setRelease((PoolLockWord) this, 0);
    }
}

/** Leading padding of {@link PoolLock}: 64 bytes nobody writes. */
abstract class PoolLockBefore {
    long p0, p1, p2, p3, p4, p5, p6, p7;
}

/** The lock word of {@link PoolLock}. */
abstract class PoolLockWord extends PoolLockBefore {
    volatile int state;
}

/** Hot words an engine keeps under its {@link PoolLock} (their meaning is the engine's). */
abstract class PoolLockHot extends PoolLockWord {
    /** 6.4: the free stack's head block. */
    int head;
    /** The chunk the last free found (frees tend to follow each other through a chunk). */
    int lastFound;
    /** 6.4: {@code nr_active}. */
    long active;
}
