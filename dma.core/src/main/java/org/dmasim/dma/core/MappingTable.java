package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live streaming mappings of one device, keyed by bus address: what DMA-API debug's hash
 * holds for the device, and what every unmap and sync looks up first.
 *
 * <p><b>Layout.</b> Open addressing with linear probing over two parallel arrays:
 * {@code keys[i]} a bus address, {@code vals[i]} the {@link Mapping} registered there, or a
 * {@code Mapping[]} when several mappings share the address (dma-direct hands out the same
 * address for the same physical buffer mapped twice), or null for a free slot. The capacity is a
 * power of two, kept at most half full; the slot of a key is a mixed hash of it masked to the
 * capacity. A scatter-gather mapping is registered once under each DMA segment's address.
 *
 * <pre>
 *   slot:  0      1      2      3      4      5      6      7
 *   keys:  -   0xb800 0xb801    -   0x4240    -      -      -
 *   vals: null   m1   [m2,m3]  null   m4    null   null   null
 * </pre>
 *
 * <p><b>Cost.</b> Insert and remove probe a few slots and allocate nothing (except to grow,
 * or for a second mapping at one address): a map+unmap pair is cheaper than a {@code HashMap}
 * put+remove of a boxed key. Removal shifts the following run of the probe sequence back
 * (backward-shift deletion), so no tombstones accumulate. {@link #containing} of an address that
 * starts no mapping (a partial sync) scans every slot: O(capacity), the price of keeping inserts
 * free of any second index.
 *
 * <p>Not thread safe: {@link Device} guards it with its own lock.
 */
final class MappingTable {
    private static final int INITIAL = 16;
    private long[] keys = new long[INITIAL];
    private Object[] vals = new Object[INITIAL];
    /** Occupied slots. */
    private int used;

    private static int hash(long key) {
        long h = key * 0x9e3779b97f4a7c15L;
        return (int) (h ^ (h >>> 32));
    }

    private int slotOf(long key) {
        int mask = keys.length - 1;
        int i = hash(key) & mask;
        while (vals[i] != null) {
            if (keys[i] == key) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return ~i;
    }

    void add(long key, Mapping m) {
        int i = slotOf(key);
        if (i >= 0) {
            Object v = vals[i];
            if (v instanceof Mapping one) {
                vals[i] = new Mapping[] {one, m};
            } else {
                Mapping[] many = (Mapping[]) v;
                Mapping[] more = Arrays.copyOf(many, many.length + 1);
                more[many.length] = m;
                vals[i] = more;
            }
            return;
        }
        if ((used + 1) * 2 > keys.length) {
            grow();
            i = slotOf(key);
        }
        i = ~i;
        keys[i] = key;
        vals[i] = m;
        used++;
    }

    /** The mappings registered at {@code key}: none, one, or several (oldest first). */
    Mapping[] at(long key) {
        int i = slotOf(key);
        if (i < 0) {
            return NONE;
        }
        Object v = vals[i];
        return v instanceof Mapping one ? new Mapping[] {one} : ((Mapping[]) v).clone();
    }

    /** The only mapping at {@code key} when there is exactly one, else null (the common case, without an array). */
    Mapping single(long key) {
        int i = slotOf(key);
        return i >= 0 && vals[i] instanceof Mapping one ? one : null;
    }

    /** Removes {@code m} from {@code key}; false when it is not registered there. */
    boolean remove(long key, Mapping m) {
        int i = slotOf(key);
        if (i < 0) {
            return false;
        }
        Object v = vals[i];
        if (v == m) {
            deleteSlot(i);
            return true;
        }
        if (v instanceof Mapping[] many) {
            for (int k = 0; k < many.length; k++) {
                if (many[k] == m) {
                    if (many.length == 2) {
                        vals[i] = many[1 - k];
                    } else {
                        Mapping[] fewer = new Mapping[many.length - 1];
                        System.arraycopy(many, 0, fewer, 0, k);
                        System.arraycopy(many, k + 1, fewer, k, many.length - k - 1);
                        vals[i] = fewer;
                    }
                    return true;
                }
            }
        }
        return false;
    }

    /** Backward-shift deletion: later members of the probe run move into the hole when their home allows. */
    private void deleteSlot(int hole) {
        int mask = keys.length - 1;
        vals[hole] = null;
        used--;
        int i = (hole + 1) & mask;
        while (vals[i] != null) {
            int home = hash(keys[i]) & mask;
            // The entry at i may move to the hole when its home is not in (hole, i] cyclically.
            boolean movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
            if (movable) {
                keys[hole] = keys[i];
                vals[hole] = vals[i];
                vals[i] = null;
                hole = i;
            }
            i = (i + 1) & mask;
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldVals = vals;
        keys = new long[oldKeys.length * 2];
        vals = new Object[oldVals.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldVals[j] != null) {
                int i = hash(oldKeys[j]) & mask;
                while (vals[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                vals[i] = oldVals[j];
            }
        }
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
        for (int i = 0; i < vals.length; i++) {
            Object v = vals[i];
            if (v instanceof Mapping one) {
                if (one.contains(addr, size)) {
                    return one;
                }
            } else if (v != null) {
                for (Mapping m : (Mapping[]) v) {
                    if (m.contains(addr, size)) {
                        return m;
                    }
                }
            }
        }
        return null;
    }

    /** Every mapping once (a scatter-gather mapping sits under several addresses), in no particular order. */
    List<Mapping> all() {
        Map<Mapping, Boolean> seen = new IdentityHashMap<>();
        List<Mapping> out = new ArrayList<>();
        for (Object v : vals) {
            if (v instanceof Mapping one) {
                if (seen.put(one, Boolean.TRUE) == null) {
                    out.add(one);
                }
            } else if (v != null) {
                for (Mapping m : (Mapping[]) v) {
                    if (seen.put(m, Boolean.TRUE) == null) {
                        out.add(m);
                    }
                }
            }
        }
        return out;
    }

    boolean isEmpty() {
        return used == 0;
    }

    private static final Mapping[] NONE = new Mapping[0];
}
