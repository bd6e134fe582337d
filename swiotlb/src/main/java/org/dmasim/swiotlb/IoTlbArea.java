package org.dmasim.swiotlb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.dmasim.api.platform.SpinLock;

/**
 * {@code struct io_tlb_area} ({@code ____cacheline_aligned_in_smp} in the kernel): one area's
 * {@code used} count, its search cursor {@code index} and its {@code spinlock_t lock}. Its own
 * class because the kernel keeps it as its own struct with its own lock, and because its layout
 * matters: {@link IoTlbMem}'s essay says how the slots are cut into areas and how the search uses
 * the cursor.
 *
 * <p><b>Layout.</b> The lock is the {@link SpinLock} word this class extends, with 128 bytes of
 * padding before it; {@code used} and {@code index} follow, then 128 bytes of padding here, so two
 * CPUs taking slots in their own areas write no host cache line the other reads, wherever the
 * collector puts the areas. (The object's monitor would not do: taking it writes the header, which
 * sat next to the array of areas every mapping CPU reads.) Held only over the slot search and
 * release, never across a copy. {@code used} is also read without the lock
 * ({@link IoTlbMem#used}), so it is stored with release semantics.
 */
final class IoTlbArea extends IoTlbAreaWords {
    private static final VarHandle USED;

    static {
        try {
            USED = MethodHandles.lookup().findVarHandle(IoTlbAreaWords.class, "used", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16;

    /** Under the lock: {@code used += delta}, published for readers without it. */
    void addUsed(long delta) {
        USED.setRelease(this, used + delta);
    }

    /** {@code used} read without the lock. */
    long usedNow() {
        return (long) USED.getAcquire(this);
    }
}

/** The kernel's fields of {@link IoTlbArea}, laid out after the lock word. */
abstract class IoTlbAreaWords extends SpinLock {
    long used;
    int index;
}
