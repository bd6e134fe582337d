package org.dmasim.dma.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.dmasim.api.dma.DmaDirection;

/**
 * The front slot of a device's mappings: room for one dma-direct single mapping that holds
 * nothing, made by the thread that owns the device's first shard ({@link DeviceMappings}). A
 * driver's submission path maps a buffer, hands it to the device and unmaps it before the next
 * one; that mapping lives and dies here, in four words of the {@code DeviceMappings} object
 * itself, and never reaches the hashed {@link DirectSingleTable}. Everything else (a second
 * mapping while the front is taken, another thread's mapping, a mapping that holds something)
 * goes to the tables as before.
 *
 * <p><b>Why a superclass.</b> {@code DeviceMappings} extends this class so that the slot's words
 * are fields of the object the map and unmap already hold: each memory load on the path to the
 * record is a dependent step of a few cycles (device, mappings, shard, table, slot). The
 * {@code DmaMapSingleBenchmark} pair (map + unmap of 4 KiB) measured about 18.5 ns with every
 * mapping in the hashed table, about 10 ns with this slot inside the shard's table (two loads
 * further) and about 9.5 ns here; a store less on each fill (the shared mark as a word, not a
 * flag to clear) was worth about one of those nanoseconds.
 *
 * <p><b>Layout.</b> The control word ({@link DirectSingleTable#EMPTY} or a live word in
 * {@link DirectSingleTable}'s encoding, whose stamp counts the owner's fills), then the bus
 * address, physical address and size:
 *
 * <pre>
 *   ctrl: (41, TO_DEVICE, live)   dma: 0x1_2345_6000   phys: 0x1_2345_6000   size: 4096
 * </pre>
 *
 * <p><b>Uniqueness.</b> An unmap's fast path takes the front only when it is the one mapping at
 * its address in the owner's shard (several at one address go to the slow path, which picks one
 * by the kernel's rules). The owner fills the front only when its tables are empty (checked by
 * {@link DeviceMappings}), and an entry it adds to them afterwards at the front's address marks
 * the front's mapping as shared ({@link #sharedWord}).
 *
 * <p><b>Concurrency.</b> As in {@link DirectSingleTable}: only the owner fills, writing the data
 * words after a store-store fence and the control word with a release store; the owner empties the
 * slot with a release store, any other thread by a compare-and-set of the live word it read; a
 * reader copies the words between two reads of the control word and keeps the copy when they
 * agree (the stamp makes every live word new).
 */
abstract class FrontSlot implements DirectRecord {
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
    /** The owner's fill count: the stamp of the next live word. */
    private long stamps;
    /**
     * The owner's: the live word of a front mapping whose address an entry in the owner's tables
     * shares (a word, not a flag, so that a fill, which makes a new word, need not clear it).
     */
    private long sharedWord;
    /** The thread that may fill the front: the owner of the device's first shard (null before one). */
    volatile Thread frontOwner;

    /** The owner: whether the front is free to fill. */
    final boolean frontFree() {
        return (long) CTRL.getOpaque(this) == DirectSingleTable.EMPTY;
    }

    /** The owner: records a mapping in the free front; its live control word. */
    final long fillFront(long dma, long phys, long size, DmaDirection dir, long attrs) {
        VarHandle.storeStoreFence(); // the slot's emptying is seen before its new words
        this.dma = dma;
        this.phys = phys;
        this.size = size;
        long word = DirectSingleTable.word(++stamps, dir, attrs);
        CTRL.setRelease(this, word);
        return word;
    }

    /**
     * The owner's unmap: empties the front when it holds the only mapping at {@code dma} of the
     * owner's shard and is of {@code size}; false (nothing changes) otherwise.
     */
    final boolean takeFront(long dma, long size) {
        long c = (long) CTRL.getOpaque(this);
        if (DirectSingleTable.live(c) && this.dma == dma && this.size == size && c != sharedWord) {
            CTRL.setRelease(this, DirectSingleTable.EMPTY);
            return true;
        }
        return false;
    }

    /** The owner added an entry at {@code key} to its tables: the front is no longer alone there. */
    final void ownerAddedAt(long key) {
        long c = (long) CTRL.getOpaque(this);
        if (DirectSingleTable.live(c) && dma == key) {
            sharedWord = c;
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

    /** Whether the front holds a mapping at {@code key} (any thread). */
    final boolean frontAt(long key) {
        DirectSingleTable.Entry e = readFront();
        return e != null && e.dma() == key;
    }

    /** Empties the front when it still holds the live word {@code ctrl} (any thread); false when it is gone. */
    @Override
    public final boolean remove(long dma, long ctrl) {
        return CTRL.compareAndSet(this, ctrl, DirectSingleTable.EMPTY);
    }
}
