package org.dmasim.api.platform;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A kernel {@code spinlock_t} kept as a word of the object it guards, for the state simulated
 * CPUs (Java threads) write on every call: a swiotlb area, a per-CPU pageset, a dma_pool, a page
 * of the CPU cache model. The guarded class extends this one.
 *
 * <p><b>Why not the object's monitor.</b> Taking a monitor writes the object header, and no
 * padding keeps a header away from whatever the garbage collector places just before the object
 * (another CPU's page entry, the array of areas every CPU reads): one CPU taking its own lock then
 * stalls another CPU reading its own state next door, on every call. A lock word can sit behind
 * padding instead.
 *
 * <p><b>Layout.</b> The JVM lays out a superclass's fields before a subclass's, so this class
 * gives every subclass 128 bytes of padding (two cache lines: a line and the neighbour an
 * adjacent-line prefetcher pulls with it), then the lock word, then the subclass's own words. A
 * subclass ends with 128 bytes of padding of its own, after its last written word (the JVM puts
 * a class's references after its primitives, so a subclass with references keeps them in a class
 * of their own and pads in a further subclass). Tests of the subclasses check the offsets this
 * JVM gives them.
 *
 * <p><b>The lock</b> is test-and-test-and-set, as the kernel's: taking it is one compare-and-set,
 * giving it up one release store. A waiter spins with {@link Thread#onSpinWait}, and yields to the
 * scheduler after a while, since a Java thread can be descheduled while it holds the lock (a
 * kernel CPU holds a spinlock with preemption off). Not reentrant; hold it only around the
 * guarded state, never across a call that may take it again.
 *
 * @since 2.5
 */
@ConsumerType
public abstract class SpinLock extends SpinLockPad {
    private static final VarHandle LOCKED;
    private static final int SPINS_BEFORE_YIELD = 128;

    static {
        try {
            LOCKED = MethodHandles.lookup().findVarHandle(SpinLock.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 1 while a thread holds the lock. */
    private volatile int locked;

    protected SpinLock() {
    }

    /** {@code spin_lock}: returns holding the lock. */
    public final void lock() {
        if (!LOCKED.compareAndSet(this, 0, 1)) {
            contended();
        }
    }

    private void contended() {
        int spins = 0;
        for (;;) {
            if ((int) LOCKED.getOpaque(this) == 0 && LOCKED.compareAndSet(this, 0, 1)) {
                return;
            }
            if (++spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                spins = 0;
                Thread.yield();
            }
        }
    }

    /** {@code spin_trylock}: whether the caller now holds the lock; never waits. */
    public final boolean tryLock() {
        return LOCKED.compareAndSet(this, 0, 1);
    }

    /** {@code spin_unlock}: only by the holder. */
    public final void unlock() {
        LOCKED.setRelease(this, 0);
    }

    /** Whether some thread holds the lock now (for assertions and views; stale at once). */
    public final boolean isLocked() {
        return (int) LOCKED.getOpaque(this) != 0;
    }
}

/** The 128 bytes before {@link SpinLock}'s word. */
abstract class SpinLockPad {
    /** Takes the 4-byte hole after a compressed object header, where the JVM would put a subclass's int. */
    @SuppressWarnings("unused")
    private int headerGap;
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15, p16;
}
