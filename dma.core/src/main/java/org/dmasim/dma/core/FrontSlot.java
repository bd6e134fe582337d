package org.dmasim.dma.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The front slot of a thread's {@link DirectSingleTable}: room for one dma-direct single mapping
 * that holds nothing, used while the thread has nothing else recorded for the device. A driver's
 * submission path maps a buffer, hands it to the device and unmaps it before the next one; that
 * mapping lives and dies here, in four words of the table object itself, without a hash, a probe
 * or the neighbouring slots' control words. Everything else (a second mapping while the front is
 * taken, a mapping that holds something) goes to the hashed table or to the thread's
 * {@link MappingTable} as before.
 *
 * <p><b>Why a superclass.</b> {@code DirectSingleTable} extends this class so that the slot's words
 * are fields of the object the map and unmap already reach, and so of the mapping thread's own
 * object: each dependent load on the path to the record costs a few cycles, and a line that one
 * thread writes on every map must be one no other thread reads on its own. The
 * {@code DmaMapSingleBenchmark} pair (map + unmap of 4 KiB) measured about 18.5 ns with every
 * mapping in the hashed table and about 11.5 ns with this slot; the same slot kept in the device's
 * shared mapping object was faster for one thread (about 9.7 ns), but two threads mapping for one
 * device then made 0.6 times the maps of one ({@code DmaMapThreadsBenchmark}; 1.8 times here).
 *
 * <p><b>Layout.</b> The control word ({@link DirectSingleTable#EMPTY} or a live word in
 * {@code DirectSingleTable}'s encoding, stamped from the table's own insert count, so that a live
 * word names one entry of the table or the front), then the bus address, physical address and
 * size:
 *
 * <pre>
 *   ctrl: (41, TO_DEVICE, live)   dma: 0x1_2345_6000   phys: 0x1_2345_6000   size: 4096
 * </pre>
 *
 * <p><b>Uniqueness.</b> An unmap's fast path takes the front only when it is the one mapping at its
 * address of the thread (several at one address go to the slow path, which picks one by its
 * rules). The owner fills the front only when its tables are empty (checked by
 * {@link DeviceMappings}, which the {@link #tablesBusy} mark saves from looking after every map),
 * and an entry it adds to them afterwards at the front's address marks the front's mapping as
 * shared ({@link #sharedWord}: the live word it applies to, so that a fill clears nothing).
 *
 * <p><b>Concurrency.</b> As in {@code DirectSingleTable}: only the owner fills, writing the data
 * words after a store-store fence and the control word with a release store; the owner empties the
 * slot with a release store, any other thread by a compare-and-set of the live word it read; a
 * reader copies the words between two reads of the control word and keeps the copy when they
 * agree.
 */
abstract class FrontSlot extends OwnerPad {
    private static final VarHandle CTRL;

    static {
        try {
            CTRL = MethodHandles.lookup().findVarHandle(FrontSlot.class, "ctrl", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long ctrl;
    private long dma;
    private long phys;
    private long size;
    /** The owner's: the live word of a front mapping whose address an entry in the owner's tables shares. */
    private long sharedWord;
    /** The owner's: its tables may hold entries (set by an add, cleared when a fill finds them empty). */
    private boolean busy;

    /** The owner: whether the front is free to fill. */
    final boolean frontFree() {
        return (long) CTRL.getOpaque(this) == DirectSingleTable.EMPTY;
    }

    /** The owner: records a mapping in the free front under the live word {@code word}. */
    final void fillFront(long dma, long phys, long size, long word) {
        VarHandle.storeStoreFence(); // the slot's emptying is seen before its new words
        this.dma = dma;
        this.phys = phys;
        this.size = size;
        CTRL.setRelease(this, word);
    }

    /**
     * The owner's unmap: empties the front when it holds the only mapping at {@code dma} of the
     * owner's tables and is of {@code size}; false (nothing changes) otherwise.
     */
    final boolean takeFront(long dma, long size) {
        long c = (long) CTRL.getOpaque(this);
        if (DirectSingleTable.live(c) && this.dma == dma && this.size == size && c != sharedWord) {
            CTRL.setRelease(this, DirectSingleTable.EMPTY);
            return true;
        }
        return false;
    }

    /** The owner: whether its tables may hold entries. */
    final boolean tablesBusy() {
        return busy;
    }

    /** The owner found its tables empty. */
    final void tablesIdle() {
        busy = false;
    }

    /** The owner added an entry at {@code key} to its tables. */
    final void ownerAddedAt(long key) {
        if (!busy) {
            busy = true;
        }
        long c = (long) CTRL.getOpaque(this);
        if (DirectSingleTable.live(c) && dma == key) {
            sharedWord = c;
        }
    }

    /**
     * Whether the front holds a mapping at {@code key} (any thread): the address read between two
     * reads of the same live control word, as {@link #readFront} reads, but without making a copy
     * (the unmap of a bounced mapping asks this on every call).
     */
    final boolean frontHolds(long key) {
        while (true) {
            long c = (long) CTRL.getAcquire(this);
            if (!DirectSingleTable.live(c)) {
                return false;
            }
            long d = dma;
            VarHandle.loadLoadFence();
            if ((long) CTRL.getOpaque(this) == c) {
                return d == key;
            }
        }
    }

    /** A consistent copy of the front's mapping, or null when the front is empty (any thread). */
    final DirectSingleTable.Entry readFront() {
        while (true) {
            long c = (long) CTRL.getAcquire(this);
            if (!DirectSingleTable.live(c)) {
                return null;
            }
            long d = dma;
            long p = phys;
            long s = size;
            VarHandle.loadLoadFence();
            if ((long) CTRL.getOpaque(this) == c) {
                return new DirectSingleTable.Entry(c, d, p, s);
            }
        }
    }

    /** Empties the front when it still holds the live word {@code ctrl} (any thread); false otherwise. */
    final boolean removeFront(long ctrl) {
        return CTRL.compareAndSet(this, ctrl, DirectSingleTable.EMPTY);
    }
}
