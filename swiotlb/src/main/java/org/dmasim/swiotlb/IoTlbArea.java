package org.dmasim.swiotlb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct io_tlb_area} ({@code ____cacheline_aligned_in_smp} in the kernel): one area's
 * {@code used} count, its search cursor {@code index} and its {@code spinlock_t lock}, as three
 * fields of one object. Its own class because the kernel keeps it as its own struct with its own
 * lock, and because its layout matters: {@link IoTlbMem}'s essay says how the slots are cut into
 * areas and how the search uses the cursor.
 *
 * <p><b>Layout.</b> The three words sit between 128 bytes of padding before (a superclass's
 * fields, which the JVM lays out first) and 128 after, so that no other object's words share
 * their cache line or its adjacent-line prefetch pair, wherever the collector puts the area. The
 * lock is a word of its own, not the object's monitor: taking a monitor writes the object
 * header, which the padding cannot keep away from whatever the heap places before the object (an
 * array of the areas that every mapping CPU reads, at first), and a CPU taking its own area's
 * lock would then slow every other CPU that reads that neighbour.
 *
 * <p><b>The lock</b> is the kernel's spinlock: taken by a compare-and-set, spun on with
 * {@link Thread#onSpinWait}, and given up to the scheduler after a while, since a simulated CPU is
 * a Java thread that can be descheduled while it holds the lock (a kernel holds it with
 * interrupts off). Held only over the slot search and release, never across a copy. {@code used}
 * is also read without the lock ({@link IoTlbMem#used}), so it is stored with release semantics.
 */
final class IoTlbArea extends IoTlbAreaWords {
    private static final VarHandle USED;
    private static final VarHandle LOCK;
    /** Spins before each yield to the scheduler: a slot search is at most one walk of the area. */
    private static final int SPINS = 128;

    static {
        try {
            USED = MethodHandles.lookup().findVarHandle(IoTlbAreaWords.class, "used", long.class);
            LOCK = MethodHandles.lookup().findVarHandle(IoTlbAreaWords.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    long q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16;

    /** {@code spin_lock(&area->lock)}. */
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

    /** {@code spin_unlock(&area->lock)}. */
    void unlock() {
        LOCK.setRelease(this, 0);
    }

    /** Under the lock: {@code used += delta}, published for readers without it. */
    void addUsed(long delta) {
        USED.setRelease(this, used + delta);
    }

    /** {@code used} read without the lock. */
    long usedNow() {
        return (long) USED.getAcquire(this);
    }
}

/** 128 bytes that keep {@link IoTlbArea}'s words away from its header and what precedes it. */
abstract class IoTlbAreaPad {
    @SuppressWarnings("unused")
    long p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15, p16;
    /** Fills the gap after a compressed header, where the JVM would otherwise put a subclass's int. */
    @SuppressWarnings("unused")
    private int p0;
}

/** The kernel's fields of {@link IoTlbArea}, laid out after the padding. */
abstract class IoTlbAreaWords extends IoTlbAreaPad {
    long used;
    int index;
    int lock;
}
