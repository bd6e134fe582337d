package org.dmasim.dma.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dma.DmaDirection;

/**
 * The dma-direct single mappings one thread made for one device that hold nothing: no bounce
 * buffer, no backend instance, no ops of their own (the common case of a driver's submission
 * path). The kernel keeps no record of these at all when DMA-API debugging is off; dmasim records
 * them so that unmaps are checked and views list them, but as four longs in a table, not as an
 * object: a map and its unmap on the owner thread allocate nothing. Every mapping that holds
 * something (a bounce, an IOMMU's iova, a list) is a {@link Mapping} in {@link MappingTable}. While
 * the thread has nothing else recorded for the device, its mapping sits in the table's front slot
 * ({@link FrontSlot}, the superclass) instead of the hashed cells; the listings below include it.
 * Views and slow paths (another thread's unmap, a partial sync, a refusal) read an entry and make
 * a {@link Mapping} of it on the spot ({@link DeviceMappings}), which names its slot word
 * ({@link Stamp}) so that removing the view removes the entry.
 *
 * <p><b>Layout.</b> Open addressing with linear probing over one {@code long[]}, four cells a slot:
 * the control word, the bus address (the key), the physical address and the size. The control
 * word is {@link #EMPTY}, {@link #TOMBSTONE}, {@link #MOVED} (copied into a newer array) or a live
 * entry: {@code stamp << 20 | attrs << 4 | dir << 2 | 3}, the stamp being the owner's insert count
 * (so a live word is never seen twice: a reader that saw it can tell the slot was reused). The
 * capacity is a power of two; the home slot is a mixed hash of the key. Several entries may share
 * a key (the same buffer mapped twice), each in its own slot.
 *
 * <pre>
 *   slot:   0       1              2     3              4      ...
 *   ctrl:  EMPTY  (7,TO_DEV)     TOMB  (9,BIDIR)       EMPTY
 *   key:     -    0x1_2345_6000    -   0x1_2345_6000     -
 * </pre>
 *
 * <p><b>Concurrency.</b> Only the owner thread inserts, and only it writes empty or tombstone
 * slots: it writes the three data cells (after a store-store fence, so that no reader sees them
 * change while the old control word still shows), then the control word with a release store.
 * The owner removes its own entry with a release store of the control word; any other thread (or
 * a slow path of the owner) removes one by a compare-and-set of the exact live word it read. A
 * reader takes the control word (acquire), the data cells, a load-load fence, and the control word
 * again: unchanged means the copy is the entry (a seqlock with the stamp as its sequence). Two
 * threads unmapping one mapping at the same moment is a driver race the kernel does not catch
 * either; here one of them may win twice.
 *
 * <p><b>Deletion and growth.</b> An owner removal whose next slot is empty empties its slot and the
 * tombstones just before it (nothing can sit past an empty slot of its run), so the usual
 * map-unmap pair leaves the table as it found it. When more than three quarters of the slots are
 * not empty, the owner turns every slot into {@link #MOVED} by compare-and-set (a concurrent
 * removal then fails and retries on the new array), copies the live entries into an array of at
 * least four times their number and publishes it; readers meeting {@link #MOVED} wait for it.
 *
 * <p><b>Cost.</b> Owner map and unmap of one buffer: a hash, a few loads, four stores, no
 * compare-and-set, no allocation.
 */
final class DirectSingleTable extends DirectSingleTableWords {
    /** Attributes the control word has room for (every DMA_ATTR_* of the kernel). */
    private static final int ATTRS_BITS = 16;
    private static final long ATTRS_LIMIT = 1L << ATTRS_BITS;
    private static final int STRIDE = 4;
    private static final int KEY = 1;
    private static final int PHYS = 2;
    private static final int SIZE = 3;
    static final long EMPTY = 0;
    private static final long TOMBSTONE = 1;
    private static final long MOVED = 2;
    private static final long LIVE = 3;
    private static final int DIR_SHIFT = 2;
    private static final int ATTRS_SHIFT = 4;
    private static final int STAMP_SHIFT = 20;
    private static final int INITIAL = 16;
    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    private static final DmaDirection[] DIRS = DmaDirection.values();

    /** Names one entry: its table and its live control word (unique within the table and its front). */
    record Stamp(DirectSingleTable table, long ctrl) {
    }

    /** A consistent copy of one live entry. */
    record Entry(long ctrl, long dma, long phys, long size) {
        DmaDirection dir() {
            return DIRS[(int) (ctrl >>> DIR_SHIFT) & 3];
        }

        long attrs() {
            return (ctrl >>> ATTRS_SHIFT) & (ATTRS_LIMIT - 1);
        }

        /** Whether the bus range [addr, addr + len) lies inside this entry. */
        boolean contains(long addr, long len) {
            return Long.compareUnsigned(addr, dma) >= 0 && Long.compareUnsigned(addr - dma, size) < 0
                && Long.compareUnsigned(len, size - (addr - dma)) <= 0;
        }
    }

    /** The padding after the owner's words ({@link OwnerPad}, under the front slot, has the padding before them). */
    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16;

    DirectSingleTable() {
        cells = new long[INITIAL * STRIDE];
    }

    /** Whether a mapping with these attributes fits a control word. */
    static boolean fits(long attrs) {
        return attrs >= 0 && attrs < ATTRS_LIMIT;
    }

    /**
     * Whether a mapping of {@code size} (a size_t: 0 or more) with these attributes fits a control
     * word: one test, not three, as the map fast path wants it (every test is a branch there).
     */
    static boolean fits(long size, long attrs) {
        return ((size | attrs) >>> 63 | attrs >>> ATTRS_BITS) == 0;
    }

    static boolean live(long ctrl) {
        return (ctrl & 3) == LIVE;
    }

    /** The live control word of the entry with this stamp (the owner's insert count), direction and attributes. */
    static long word(long stamp, DmaDirection dir, long attrs) {
        return (stamp << STAMP_SHIFT) | (attrs << ATTRS_SHIFT) | ((long) dir.ordinal() << DIR_SHIFT) | LIVE;
    }

    /** The owner: whether no slot is in use (no live entry, no tombstone). */
    boolean ownerEmpty() {
        return used == 0;
    }

    private static int hash(long key) {
        long h = key * 0x9e3779b97f4a7c15L;
        return (int) (h ^ (h >>> 32));
    }

    private long[] awaitNewer(long[] old) {
        long[] c;
        while ((c = cells) == old) {
            Thread.onSpinWait();
        }
        return c;
    }

    /** Records a mapping in the front slot (the owner thread only, the front free). */
    void addFront(long dma, long phys, long size, DmaDirection dir, long attrs) {
        fillFront(dma, phys, size, word(++stamps, dir, attrs));
    }

    /** Records a mapping (the owner thread only); its control word, which {@link #remove} takes. */
    long add(long dma, long phys, long size, DmaDirection dir, long attrs) {
        // Small enough to inline: the home slot is empty (the last unmap emptied it, most often)
        // and taking it leaves the table at most three quarters full.
        long[] c = cells;
        int slots = c.length / STRIDE;
        int b = (hash(dma) & (slots - 1)) * STRIDE;
        if ((long) CELL.getOpaque(c, b) == EMPTY && (used + 1) * 4 <= slots * 3) {
            used++;
            return fill(c, b, dma, phys, size, dir, attrs);
        }
        return addProbing(dma, phys, size, dir, attrs);
    }

    private long addProbing(long dma, long phys, long size, DmaDirection dir, long attrs) {
        long[] c = cells;
        int mask = c.length / STRIDE - 1;
        int i = hash(dma) & mask;
        while (true) {
            int b = i * STRIDE;
            long ctrl = (long) CELL.getOpaque(c, b);
            if (ctrl == EMPTY || ctrl == TOMBSTONE) {
                long word = fill(c, b, dma, phys, size, dir, attrs);
                if (ctrl == EMPTY && ++used * 4 > (mask + 1) * 3) {
                    rebuild(c);
                }
                return word;
            }
            i = (i + 1) & mask; // ends: at most three quarters of the slots are not empty
        }
    }

    /** Writes a new entry into the free slot at cell {@code b}; its live control word. */
    private long fill(long[] c, int b, long dma, long phys, long size, DmaDirection dir, long attrs) {
        VarHandle.storeStoreFence(); // the slot's emptying is seen before its new cells
        c[b + KEY] = dma;
        c[b + PHYS] = phys;
        c[b + SIZE] = size;
        long word = word(++stamps, dir, attrs);
        CELL.setRelease(c, b, word);
        return word;
    }

    /**
     * The owner's unmap: removes the entry at {@code dma} when it is the only one there and of
     * {@code size}; false (nothing changes) otherwise.
     */
    boolean takeOwn(long dma, long size) {
        if (frontHolds(dma)) {
            return false; // the front's mapping shares the address: the caller picks one
        }
        // Small enough to inline: the entry in its home slot, alone there (the slot after it is
        // empty, so the key's run ends with it) and with no tombstone before it to clean.
        long[] c = cells;
        int wrap = c.length - 1;
        int b = (hash(dma) & (c.length / STRIDE - 1)) * STRIDE;
        if (live((long) CELL.getOpaque(c, b)) && c[b + KEY] == dma && c[b + SIZE] == size
            && (long) CELL.getOpaque(c, (b + STRIDE) & wrap) == EMPTY
            && (long) CELL.getOpaque(c, (b - STRIDE) & wrap) != TOMBSTONE) {
            CELL.setRelease(c, b, EMPTY);
            used--;
            return true;
        }
        return takeOwnProbing(dma, size);
    }

    private boolean takeOwnProbing(long dma, long size) {
        long[] c = cells;
        int mask = c.length / STRIDE - 1;
        int i = hash(dma) & mask;
        int found = -1;
        while (true) {
            int b = i * STRIDE;
            long ctrl = (long) CELL.getOpaque(c, b);
            if (ctrl == EMPTY) {
                break;
            }
            if (live(ctrl) && c[b + KEY] == dma) {
                if (found >= 0) {
                    return false; // several at this address: the caller picks one
                }
                found = b;
            }
            i = (i + 1) & mask;
        }
        if (found < 0 || c[found + SIZE] != size) {
            return false;
        }
        int next = (found + STRIDE) & (c.length - 1);
        if ((long) CELL.getOpaque(c, next) != EMPTY) {
            CELL.setRelease(c, found, TOMBSTONE);
            return true;
        }
        // The end of a run: this slot and the tombstones before it become empty again.
        CELL.setRelease(c, found, EMPTY);
        used--;
        for (int b = (found - STRIDE) & (c.length - 1); (long) CELL.getOpaque(c, b) == TOMBSTONE;
            b = (b - STRIDE) & (c.length - 1)) {
            CELL.setRelease(c, b, EMPTY);
            used--;
        }
        return true;
    }

    /** The owner copies the live entries of {@code old} into a fresh array. */
    private void rebuild(long[] old) {
        List<long[]> keep = new ArrayList<>();
        for (int b = 0; b < old.length; b += STRIDE) {
            long ctrl;
            do {
                ctrl = (long) CELL.getVolatile(old, b);
            } while (!CELL.compareAndSet(old, b, ctrl, MOVED));
            if (live(ctrl)) {
                keep.add(new long[] {ctrl, old[b + KEY], old[b + PHYS], old[b + SIZE]});
            }
        }
        int capacity = INITIAL;
        while (capacity < keep.size() * 4) {
            capacity <<= 1;
        }
        long[] fresh = new long[capacity * STRIDE];
        for (long[] e : keep) {
            int i = hash(e[KEY]) & (capacity - 1);
            while (fresh[i * STRIDE] != EMPTY) {
                i = (i + 1) & (capacity - 1);
            }
            System.arraycopy(e, 0, fresh, i * STRIDE, STRIDE);
        }
        used = keep.size();
        cells = fresh;
    }

    /**
     * {@link #anyAt} for the owner thread only, which alone writes {@link #used}: with no hashed
     * slot in use only the front can hold the address (no probe).
     */
    boolean ownerSeesAnyAt(long dma) {
        return used == 0 ? frontHolds(dma) : anyAt(dma);
    }

    /** Whether an entry is recorded at {@code dma} (any thread; no allocation unless the table is growing). */
    boolean anyAt(long dma) {
        if (frontHolds(dma)) {
            return true;
        }
        long[] c = cells;
        int n = c.length / STRIDE;
        int i = hash(dma) & (n - 1);
        for (int p = 0; p < n; p++, i = (i + 1) & (n - 1)) {
            long ctrl = (long) CELL.getAcquire(c, i * STRIDE);
            if (ctrl == EMPTY) {
                return false;
            }
            if (ctrl == MOVED) {
                return !at(dma).isEmpty();
            }
            if (live(ctrl) && (long) CELL.getOpaque(c, i * STRIDE + KEY) == dma) {
                return true;
            }
        }
        return false;
    }

    /** The live entries at {@code dma}: the front's, then the cells' in probe order (any thread). */
    List<Entry> at(long dma) {
        return read(false, dma);
    }

    /** Every live entry: the front's, then the cells' in slot order (any thread; weakly consistent). */
    List<Entry> all() {
        return read(true, 0);
    }

    private List<Entry> read(boolean every, long dma) {
        retry:
        while (true) {
            long[] c = cells;
            int n = c.length / STRIDE;
            int start = every ? 0 : hash(dma) & (n - 1);
            List<Entry> out = new ArrayList<>();
            Entry f = readFront();
            if (f != null && (every || f.dma() == dma)) {
                out.add(f);
            }
            for (int p = 0; p < n; p++) {
                int b = ((start + p) & (n - 1)) * STRIDE;
                while (true) {
                    long ctrl = (long) CELL.getAcquire(c, b);
                    if (ctrl == MOVED) {
                        awaitNewer(c);
                        continue retry;
                    }
                    if (ctrl == EMPTY && !every) {
                        return out; // the end of the key's run
                    }
                    if (!live(ctrl)) {
                        break;
                    }
                    long key = (long) CELL.getOpaque(c, b + KEY);
                    long phys = (long) CELL.getOpaque(c, b + PHYS);
                    long size = (long) CELL.getOpaque(c, b + SIZE);
                    VarHandle.loadLoadFence();
                    if ((long) CELL.getOpaque(c, b) != ctrl) {
                        continue; // changed while read: read the slot again
                    }
                    if (every || key == dma) {
                        out.add(new Entry(ctrl, key, phys, size));
                    }
                    break;
                }
            }
            return out;
        }
    }

    /** Removes the entry whose live control word is {@code ctrl} (any thread); false when it is gone. */
    boolean remove(long dma, long ctrl) {
        if (removeFront(ctrl)) {
            return true;
        }
        while (true) {
            long[] c = cells;
            int n = c.length / STRIDE;
            int i = hash(dma) & (n - 1);
            boolean moved = false;
            for (int p = 0; p < n; p++, i = (i + 1) & (n - 1)) {
                int b = i * STRIDE;
                long v = (long) CELL.getVolatile(c, b);
                if (v == EMPTY) {
                    return false;
                }
                if (v == MOVED) {
                    moved = true;
                    break;
                }
                if (v == ctrl) {
                    if (CELL.compareAndSet(c, b, ctrl, TOMBSTONE)) {
                        return true;
                    }
                    moved = (long) CELL.getVolatile(c, b) == MOVED;
                    if (!moved) {
                        return false; // another thread removed it first
                    }
                    break;
                }
            }
            if (!moved) {
                return false;
            }
            awaitNewer(c);
        }
    }

    /** Slots of the current array, for tests of growth. */
    int capacity() {
        return cells.length / STRIDE;
    }
}

/** The words of a {@link DirectSingleTable} its owner writes, after the front slot's. */
abstract class DirectSingleTableWords extends FrontSlot {
    volatile long[] cells;
    /** Slots of the current array that are not empty (live or tombstone); the owner's count. */
    int used;
    /** The owner's insert count: the stamp of the next entry. */
    long stamps;
}
