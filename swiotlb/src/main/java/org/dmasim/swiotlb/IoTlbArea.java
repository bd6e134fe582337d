package org.dmasim.swiotlb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code struct io_tlb_area} ({@code ____cacheline_aligned_in_smp} in the kernel): one area's
 * {@code used} count and its search cursor {@code index}, changed under the area's own monitor
 * (the kernel's {@code area->lock}). Its own class because the kernel keeps it as its own struct
 * with its own lock, and because its layout matters: {@link IoTlbMem}'s essay says how the slots
 * are cut into areas and how the search uses the cursor.
 *
 * <p>{@code used} is also read without the monitor ({@link IoTlbMem#used}), so it is stored with
 * release semantics. Padded by 128 bytes so that two areas' counters and locks (the monitor is
 * the object's header) never share a cache line nor an adjacent-line prefetch pair (the objects
 * are allocated one after the other).
 */
final class IoTlbArea {
    private static final VarHandle USED;

    static {
        try {
            USED = MethodHandles.lookup().findVarHandle(IoTlbArea.class, "used", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long used;
    int index;
    @SuppressWarnings("unused")
    long pad1, pad2, pad3, pad4, pad5, pad6, pad7, pad8, pad9, pad10, pad11, pad12, pad13, pad14, pad15, pad16;

    /** Under the monitor: {@code used += delta}, published for readers without it. */
    void addUsed(long delta) {
        USED.setRelease(this, used + delta);
    }

    /** {@code used} read without the monitor. */
    long usedNow() {
        return (long) USED.getAcquire(this);
    }
}
