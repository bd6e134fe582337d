package org.dmasim.dma.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live streaming mappings one thread made for one device ({@link DeviceMappings} keeps one
 * table per mapping thread), keyed by bus address: what DMA-API debug's hash holds, and what
 * every unmap and sync looks up first. Only its owner thread inserts; any thread may remove and
 * read. Safe without a lock on its hot paths.
 *
 * <p><b>Layout.</b> Open addressing with linear probing over one array of slots. A slot holds
 * null (never used), {@link #TOMBSTONE} (its mapping went), {@link #MOVED} (copied into a newer
 * array), a {@link Mapping} (whose key is its bus address) or a {@link Segment} (a scatter-gather
 * mapping is registered once under each DMA segment's address). The capacity is a power of two;
 * the home slot of a key is a mixed hash of it masked to the capacity. Several mappings may share
 * a key (dma-direct hands out the same address for the same buffer mapped twice): each takes its
 * own slot.
 *
 * <pre>
 *   slot:   0      1          2         3      4          5     6      7
 *   value: null  m1(0xb800)  TOMB  m2(0xb800)  s(0x4240,m3)  null  null  null
 * </pre>
 *
 * <p><b>Concurrency.</b> Every change is one write of one slot. The owner inserts into the first
 * null or tombstone slot of the key's probe run with a release store: no other thread ever writes
 * a null or tombstone slot, so no compare-and-set is needed. A removal turns a mapping's slot into
 * a tombstone: by a compare-and-set when another thread removes (or when the mapping holds a
 * backend instance, whose count must not be given back twice), by a release store when the owner
 * removes its own plain mapping (two threads unmapping one mapping at the same moment is a driver
 * race the kernel does not catch either). Only the owner turns a slot back to null: its own
 * removal at the end of a probe run (the next slot null) empties the slot and the tombstones just
 * before it, which no probe needs any more (nothing can sit past the null that ends the run), so
 * a lookup that reaches a null slot has still seen every slot the key may use, and a thread
 * bouncing through swiotlb, whose every map has a new address, does not fill the table with
 * tombstones and rebuild it every few maps. A reader or writer meeting {@link #MOVED} retries on
 * the newer array.
 *
 * <p><b>Growth and cleaning.</b> When more than three quarters of the slots are used (live or
 * tombstone), the owner copies the live entries into a fresh array sized for twice the live ones:
 * it turns each old slot into {@link #MOVED} with a compare-and-set (so a concurrent removal on
 * the old slot fails and retries on the new array) and copies what it took, then publishes the
 * new array. Tombstones are dropped on the way.
 *
 * <p><b>Front.</b> While the table is empty (no slot used), the owner's next mapping goes into
 * the {@code front} word instead of a slot: a map is one release store, the unmap of a mapping
 * that holds a backend one compare-and-set, no hash, no probe (a driver that maps and unmaps one
 * buffer at a time never touches the array). Anyone removes the front's mapping by a
 * compare-and-set to null; every look-up sees the front first, then the slots.
 *
 * <p><b>Cost.</b> A map and unmap of one buffer by the same thread: two release stores, no lock,
 * no compare-and-set, no allocation (the slot the last unmap emptied is usually the one the next
 * map of the same address takes). {@link #containing} of an
 * address that starts no mapping (a partial sync) scans every slot: O(capacity), the price of
 * keeping inserts free of any second index.
 */
final class MappingTable extends MappingTableWords {
    /** A segment of a scatter-gather mapping, registered under the segment's bus address. */
    record Segment(long key, Mapping mapping) {
    }

    private static final Object TOMBSTONE = new Object();
    private static final Object MOVED = new Object();
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle FRONT;

    static {
        try {
            FRONT = MethodHandles.lookup().findVarHandle(MappingTableWords.class, "front", Mapping.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private static final int INITIAL = 16;

    /** The padding after the owner's words ({@link OwnerPad} has the padding before them). */
    @SuppressWarnings("unused")
    private long q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15, q16;

    MappingTable() {
        slots = new Object[INITIAL];
    }

    private static int hash(long key) {
        long h = key * 0x9e3779b97f4a7c15L;
        return (int) (h ^ (h >>> 32));
    }

    private static long keyOf(Object v) {
        return v instanceof Mapping m ? m.dmaHandle : ((Segment) v).key();
    }

    private static Mapping mappingOf(Object v) {
        return v instanceof Mapping m ? m : ((Segment) v).mapping();
    }

    private static boolean live(Object v) {
        return v != null && v != TOMBSTONE && v != MOVED;
    }

    private Object[] awaitNewer(Object[] old) {
        Object[] t;
        while ((t = slots) == old) {
            Thread.onSpinWait();
        }
        return t;
    }

    /** Registers a mapping under its own bus address (the owner thread only). */
    void add(Mapping m) {
        if (used == 0 && FRONT.getAcquire(this) == null) {
            FRONT.setRelease(this, m); // nothing else registered: the front, no slot
            return;
        }
        insert(m.dmaHandle, m);
    }

    /** The front's mapping when it is registered at {@code key}, else null. */
    private Mapping frontAt(long key) {
        Mapping f = (Mapping) FRONT.getAcquire(this);
        return f != null && f.dmaHandle == key ? f : null;
    }

    /** Removes the front's mapping {@code m}; false when it is not there (removed meanwhile, or never). */
    private boolean takeFront(Mapping m) {
        return FRONT.compareAndSet(this, m, null);
    }

    /** Registers one segment of a list mapping (the owner thread only). */
    void addSegment(long key, Mapping m) {
        insert(key, new Segment(key, m));
    }

    /** The owner's insert: nobody else writes null or tombstone slots, so a release store is enough. */
    private void insert(long key, Object value) {
        // Small enough to inline: the home slot is free (emptied by the last unmap, most often) and
        // taking it leaves the table at most three quarters used.
        Object[] t = slots;
        int home = hash(key) & (t.length - 1);
        Object v = SLOT.getAcquire(t, home);
        if (v == TOMBSTONE || v == null && (used + 1) * 4 <= t.length * 3) {
            if (v == null) {
                used++;
            }
            SLOT.setRelease(t, home, value);
            return;
        }
        insertProbing(key, value);
    }

    /**
     * The owner, after removing the entry at slot {@code i} of {@code t} (now a tombstone, or about
     * to be one): when the next slot is null the run ends here, so this slot and the tombstones just
     * before it become null again; otherwise it stays a tombstone.
     */
    private void ownerRemoved(Object[] t, int i) {
        int mask = t.length - 1;
        if (SLOT.getAcquire(t, (i + 1) & mask) != null) {
            SLOT.setRelease(t, i, TOMBSTONE);
            return;
        }
        SLOT.setRelease(t, i, null);
        used--;
        for (int b = (i - 1) & mask; SLOT.getAcquire(t, b) == TOMBSTONE; b = (b - 1) & mask) {
            SLOT.setRelease(t, b, null);
            used--;
        }
    }

    private void insertProbing(long key, Object value) {
        Object[] t = slots;
        int mask = t.length - 1;
        int i = hash(key) & mask;
        for (int probe = 0; probe < t.length; probe++, i = (i + 1) & mask) {
            Object v = SLOT.getAcquire(t, i);
            if (v == null || v == TOMBSTONE) {
                SLOT.setRelease(t, i, value);
                if (v == null && ++used * 4 > t.length * 3) {
                    rebuild(t);
                }
                return;
            }
        }
        rebuild(t); // every slot used: grow, then insert into the new array
        insertProbing(key, value);
    }

    /** The owner copies the live entries of {@code old} into a fresh array. */
    private void rebuild(Object[] old) {
        List<Object> keep = new ArrayList<>();
        for (int i = 0; i < old.length; i++) {
            while (true) {
                Object v = SLOT.getVolatile(old, i);
                if (SLOT.compareAndSet(old, i, v, MOVED)) {
                    if (live(v)) {
                        keep.add(v);
                    }
                    break;
                }
            }
        }
        int capacity = INITIAL;
        while (capacity < keep.size() * 4) {
            capacity <<= 1;
        }
        Object[] fresh = new Object[capacity];
        int mask = capacity - 1;
        for (Object v : keep) {
            int i = hash(keyOf(v)) & mask;
            while (fresh[i] != null) {
                i = (i + 1) & mask;
            }
            fresh[i] = v;
        }
        used = keep.size();
        slots = fresh;
    }

    /**
     * The unmap fast path: removes and returns the mapping at {@code key} when it is the only one
     * there and matches {@code kind} and {@code size}; null (nothing changes) otherwise.
     *
     * @param owner whether the calling thread owns this table
     */
    Mapping takeSingle(long key, Mapping.Kind kind, long size, boolean owner) {
        Mapping f = (Mapping) FRONT.getAcquire(this);
        if (f != null && f.dmaHandle == key) {
            // The front alone at the address (the owner knows when no slot is used; else a probe
            // says): taken by compare-and-set, whoever takes it.
            if (f.kind != kind || f.size != size || (!owner || used != 0) && slotsAnyAt(key)) {
                return null;
            }
            return takeFront(f) ? f : null;
        }
        // Next the common slot case: the owner's mapping alone in its home slot, the run ending after it.
        Object[] t = slots;
        int mask = t.length - 1;
        int home = hash(key) & mask;
        if (owner && SLOT.getAcquire(t, home) instanceof Mapping m && m.dmaHandle == key && m.kind == kind
            && m.size == size && SLOT.getAcquire(t, (home + 1) & mask) == null
            && SLOT.getAcquire(t, (home - 1) & mask) != TOMBSTONE) {
            // The end of its run, no tombstone before it: the slot empties. A mapping that holds a
            // backend is taken by compare-and-set (its holdings must be given back once, even if
            // another thread removes it at the same moment); a plain one by a release store.
            if (!m.holdsAnything()) {
                SLOT.setRelease(t, home, null);
            } else if (!SLOT.compareAndSet(t, home, m, null)) {
                return takeSingleProbing(key, kind, size, owner);
            }
            used--;
            return m;
        }
        return takeSingleProbing(key, kind, size, owner);
    }

    private Mapping takeSingleProbing(long key, Mapping.Kind kind, long size, boolean owner) {
        while (true) {
            Object[] t = slots;
            int slot = uniqueSlotOf(t, key);
            if (slot == MOVED_AWAY) {
                awaitNewer(t);
                continue;
            }
            if (slot < 0) {
                return null; // none, or several at this address: the caller picks one
            }
            Object v = SLOT.getVolatile(t, slot);
            if (!(v instanceof Mapping m) || m.dmaHandle != key || m.kind != kind || m.size != size) {
                if (v == MOVED) {
                    continue;
                }
                return null;
            }
            if (owner && !m.holdsAnything()) {
                ownerRemoved(t, slot);
                return m;
            }
            if (SLOT.compareAndSet(t, slot, v, TOMBSTONE)) {
                if (owner) {
                    ownerRemoved(t, slot);
                }
                return m;
            }
            // The slot changed (removed by another thread, or moved): look again.
        }
    }

    /**
     * The slots of {@code t} holding live entries of {@code key}, in probe order; null when the scan
     * met a slot already moved to a newer array (the caller retries there).
     */
    /** {@link #uniqueSlotOf}: the table is being moved to a newer one. */
    private static final int MOVED_AWAY = -3;

    /**
     * The one slot holding {@code key}: its index, -1 when none does, -2 when several do,
     * {@link #MOVED_AWAY} when the table is being moved (the common single-mapping case of
     * {@link #slotsOf}, without building an array).
     */
    private static int uniqueSlotOf(Object[] t, long key) {
        int mask = t.length - 1;
        int i = hash(key) & mask;
        int found = -1;
        for (int probe = 0; probe < t.length; probe++, i = (i + 1) & mask) {
            Object v = SLOT.getVolatile(t, i);
            if (v == null) {
                break;
            }
            if (v == MOVED) {
                return MOVED_AWAY;
            }
            if (v != TOMBSTONE && keyOf(v) == key) {
                if (found >= 0) {
                    return -2;
                }
                found = i;
            }
        }
        return found;
    }

    private static int[] slotsOf(Object[] t, long key) {
        int mask = t.length - 1;
        int i = hash(key) & mask;
        int[] out = new int[2];
        int n = 0;
        for (int probe = 0; probe < t.length; probe++, i = (i + 1) & mask) {
            Object v = SLOT.getVolatile(t, i);
            if (v == null) {
                break;
            }
            if (v == MOVED) {
                return null;
            }
            if (v != TOMBSTONE && keyOf(v) == key) {
                if (n == out.length) {
                    out = java.util.Arrays.copyOf(out, n * 2);
                }
                out[n++] = i;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** Removes {@code m} from {@code key}; false when it is not registered there. */
    boolean remove(long key, Mapping m) {
        if (m.kind != Mapping.Kind.SG && FRONT.getAcquire(this) == m) {
            return takeFront(m);
        }
        while (true) {
            Object[] t = slots;
            int[] at = slotsOf(t, key);
            if (at == null) {
                awaitNewer(t);
                continue;
            }
            boolean retry = false;
            for (int i : at) {
                Object v = SLOT.getVolatile(t, i);
                if (v != MOVED && v != TOMBSTONE && v != null && mappingOf(v) == m) {
                    if (SLOT.compareAndSet(t, i, v, TOMBSTONE)) {
                        return true;
                    }
                    retry = SLOT.getVolatile(t, i) == MOVED;
                    if (!retry) {
                        return false; // another thread removed it first
                    }
                }
                retry |= v == MOVED;
            }
            if (!retry) {
                return false;
            }
            awaitNewer(t);
        }
    }

    /** Slots of the current array, for tests of growth. */
    int capacity() {
        return slots.length;
    }

    /** The owner: whether nothing is registered (the front empty, no slot in use: no live mapping, no tombstone). */
    boolean ownerEmpty() {
        return used == 0 && FRONT.getAcquire(this) == null;
    }

    /**
     * {@link #anyAt} for the owner thread only, which alone writes {@link #used}: when no slot of
     * the current array was ever taken (the shard of a thread that maps only plain dma-direct
     * buffers, or one buffer at a time), only the front is looked at (no probe).
     */
    boolean ownerSeesAnyAt(long key) {
        return frontAt(key) != null || used != 0 && slotsAnyAt(key);
    }

    /** Whether a mapping is registered at {@code key} (no allocation unless the table is growing). */
    boolean anyAt(long key) {
        return frontAt(key) != null || slotsAnyAt(key);
    }

    /** {@link #anyAt} of the slots alone. */
    private boolean slotsAnyAt(long key) {
        Object[] t = slots;
        int mask = t.length - 1;
        int i = hash(key) & mask;
        for (int probe = 0; probe < t.length; probe++, i = (i + 1) & mask) {
            Object v = SLOT.getAcquire(t, i);
            if (v == null) {
                return false;
            }
            if (v == MOVED) {
                return slotsAt(key).length > 0;
            }
            if (v != TOMBSTONE && keyOf(v) == key) {
                return true;
            }
        }
        return false;
    }

    /** The mappings registered at {@code key}: the front's, then the slots' in probe order. */
    Mapping[] at(long key) {
        Mapping f = frontAt(key);
        Mapping[] slotted = slotsAt(key);
        if (f == null) {
            return slotted;
        }
        Mapping[] out = new Mapping[slotted.length + 1];
        out[0] = f;
        System.arraycopy(slotted, 0, out, 1, slotted.length);
        return out;
    }

    /** The mappings the slots register at {@code key} (in probe order). */
    private Mapping[] slotsAt(long key) {
        while (true) {
            Object[] t = slots;
            int[] at = slotsOf(t, key);
            if (at == null) {
                awaitNewer(t);
                continue;
            }
            List<Mapping> out = new ArrayList<>(at.length);
            for (int i : at) {
                Object v = SLOT.getVolatile(t, i);
                if (live(v)) {
                    out.add(mappingOf(v));
                }
            }
            return out.toArray(new Mapping[0]);
        }
    }

    /** The only mapping at {@code key}, else null (none, or several). */
    Mapping single(long key) {
        Mapping[] at = at(key);
        return at.length == 1 ? at[0] : null;
    }

    /**
     * A mapping whose bus range holds [addr, addr + size): one registered at {@code addr} first,
     * else the first found over all slots (DMA-API debug's containing match). Null when none.
     */
    Mapping containing(long addr, long size) {
        Mapping exact = single(addr);
        if (exact != null && exact.contains(addr, size)) {
            return exact;
        }
        for (Mapping m : all()) {
            if (m.contains(addr, size)) {
                return m;
            }
        }
        return null;
    }

    /** Every mapping once (a list sits under several addresses), in no particular order; weakly consistent. */
    List<Mapping> all() {
        while (true) {
            Object[] t = slots;
            Map<Mapping, Boolean> seen = new IdentityHashMap<>();
            List<Mapping> out = new ArrayList<>();
            Mapping f = (Mapping) FRONT.getAcquire(this);
            if (f != null) {
                seen.put(f, Boolean.TRUE);
                out.add(f);
            }
            boolean moved = false;
            for (int i = 0; i < t.length; i++) {
                Object v = SLOT.getVolatile(t, i);
                if (v == MOVED) {
                    moved = true;
                    break;
                }
                if (live(v) && seen.put(mappingOf(v), Boolean.TRUE) == null) {
                    out.add(mappingOf(v));
                }
            }
            if (!moved) {
                return out;
            }
            awaitNewer(t);
        }
    }

    boolean isEmpty() {
        return all().isEmpty();
    }
}

/** The words of a {@link MappingTable} its owner writes, between the padding of both classes. */
abstract class MappingTableWords extends OwnerPad {
    volatile Object[] slots;
    /** The owner's mapping while nothing else is registered, or null ({@link MappingTable}'s front). */
    volatile Mapping front;
    /** Slots of the current array that are no longer null (live or tombstone); the owner's count. */
    int used;
}
