package org.dmasim.iommu.smmu.hw;

import java.util.Arrays;

/**
 * The SMMU's TLB of stage-1 leaf translations, as QEMU 7.2 keeps it ({@code smmu-common.c}):
 * one entry per (ASID, level, input page at that level), filled after a successful walk and
 * removed only by invalidation commands.
 *
 * <p>Capacity: QEMU bounds its IOTLB at {@code SMMU_IOTLB_MAX_SIZE} = 256 entries and, when an
 * insert finds it full, empties it entirely ({@code smmu_iotlb_inv_all}) before inserting; this
 * model does the same (the capacity is a constructor argument, 256 by default). So a stale entry
 * survives until an invalidation covers it or 256 other translations have been cached.
 *
 * <p>Data layout: open addressing with linear probing over parallel primitive arrays (key, output
 * address, descriptor address, flags), table size a power of two at least twice the capacity, so
 * a hit is a multiply, a shift and one or two array reads: no allocation, no boxing. A range of
 * up to {@value #DIRECT_PAGES} pages is invalidated key by key (each page's L3 key and the L2/L1
 * keys of the blocks covering it, removed with backward-shift deletion, so no tombstones); a
 * larger range or a whole ASID scans the table and rebuilds it from the survivors.
 */
final class Iotlb {
    private static final long EMPTY = -1L;
    static final int FLAG_WRITABLE = 1;
    /** Ranges up to this many 4 KiB pages are removed key by key instead of by a scan. */
    static final int DIRECT_PAGES = 32;

    private final int capacity;
    private long[] keys;
    private long[] out;
    private long[] pteAddr;
    private int[] flags;
    private int size;
    /** Set by {@link #lookup}: the slot of the hit. */
    int hitSlot;
    long flushAllOnFull;

    Iotlb(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("IOTLB capacity " + capacity + ": must be at least 1");
        }
        this.capacity = capacity;
        int tableSize = Integer.highestOneBit(capacity * 2 - 1) << 1;
        keys = new long[tableSize];
        out = new long[tableSize];
        pteAddr = new long[tableSize];
        flags = new int[tableSize];
        Arrays.fill(keys, EMPTY);
    }

    static int shift(int level) {
        return 12 + 9 * (3 - level);
    }

    private static long key(int asid, int level, long iova) {
        return ((long) asid << 40) | ((long) level << 38) | (iova >>> shift(level));
    }

    private static int hash(long key, int mask) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    /** The slot of the entry covering {@code iova} for {@code asid}, or -1; tries L3, L2, L1. */
    int lookup(int asid, long iova) {
        long[] k = keys;
        int mask = k.length - 1;
        for (int level = 3; level >= 1; level--) {
            long key = key(asid, level, iova);
            for (int i = hash(key, mask);; i = (i + 1) & mask) {
                long e = k[i];
                if (e == key) {
                    return i;
                }
                if (e == EMPTY) {
                    break;
                }
            }
        }
        return -1;
    }

    long out(int slot) {
        return out[slot];
    }

    long pteAddr(int slot) {
        return pteAddr[slot];
    }

    int flags(int slot) {
        return flags[slot];
    }

    int level(int slot) {
        return (int) (keys[slot] >>> 38) & 3;
    }

    /** Caches a leaf: {@code outBase} is the output address of the leaf's first byte. */
    void insert(int asid, int level, long iova, long outBase, long descriptorAddr, int entryFlags) {
        if (size >= capacity) {
            clear();
            flushAllOnFull++;
        }
        long key = key(asid, level, iova);
        int mask = keys.length - 1;
        int i = hash(key, mask);
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (keys[i] == EMPTY) {
            size++;
        }
        keys[i] = key;
        out[i] = outBase;
        pteAddr[i] = descriptorAddr;
        flags[i] = entryFlags;
    }

    int size() {
        return size;
    }

    void clear() {
        Arrays.fill(keys, EMPTY);
        size = 0;
    }

    /** Removes every entry of {@code asid}; returns how many. */
    int invalidateAsid(int asid) {
        if (size == 0) {
            return 0;
        }
        return removeIf(asid, 0, -1L, -1);
    }

    /**
     * Removes the entries of {@code asid} whose leaf overlaps {@code [start, start + length)}; with
     * {@code level} &gt; 0 only entries of that level (QEMU's exact-key removal for a one-page
     * command with a TTL hint).
     */
    int invalidateRange(int asid, long start, long length, int level) {
        if (size == 0) {
            return 0;
        }
        long first = start >>> 12;
        long last = (start + length - 1) >>> 12;
        if (length <= 0 || last - first >= DIRECT_PAGES) {
            return removeIf(asid, start, length, level);
        }
        int removed = 0;
        for (int l = 3; l >= 1; l--) {
            if (level > 0 && l != level) {
                continue;
            }
            int sh = shift(l);
            for (long block = start >>> sh; block <= (start + length - 1) >>> sh; block++) {
                removed += removeKey(key(asid, l, block << sh));
            }
        }
        return removed;
    }

    /** Removes one key if present (backward-shift deletion keeps every probe chain intact). */
    private int removeKey(long key) {
        long[] k = keys;
        int mask = k.length - 1;
        int i = hash(key, mask);
        while (k[i] != key) {
            if (k[i] == EMPTY) {
                return 0;
            }
            i = (i + 1) & mask;
        }
        int hole = i;
        for (int j = (i + 1) & mask; k[j] != EMPTY; j = (j + 1) & mask) {
            int home = hash(k[j], mask);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                k[hole] = k[j];
                out[hole] = out[j];
                pteAddr[hole] = pteAddr[j];
                flags[hole] = flags[j];
                hole = j;
            }
        }
        k[hole] = EMPTY;
        size--;
        return 1;
    }

    private int removeIf(int asid, long start, long length, int level) {
        int removed = 0;
        long[] oldKeys = keys;
        for (int i = 0; i < oldKeys.length; i++) {
            long k = oldKeys[i];
            if (k == EMPTY || (int) (k >>> 40) != asid) {
                continue;
            }
            int l = (int) (k >>> 38) & 3;
            if (length >= 0) {
                long base = (k & ((1L << 38) - 1)) << shift(l);
                long end = base + (1L << shift(l));
                boolean overlaps = Long.compareUnsigned(base, start + length) < 0 && Long.compareUnsigned(start, end) < 0;
                if (!overlaps || (level > 0 && l != level)) {
                    continue;
                }
            }
            oldKeys[i] = ~k; // marked: rebuilt below
            removed++;
        }
        if (removed > 0) {
            rebuild();
        }
        return removed;
    }

    private void rebuild() {
        long[] k0 = keys;
        long[] o0 = out;
        long[] p0 = pteAddr;
        int[] f0 = flags;
        keys = new long[k0.length];
        out = new long[k0.length];
        pteAddr = new long[k0.length];
        flags = new int[k0.length];
        Arrays.fill(keys, EMPTY);
        size = 0;
        int mask = keys.length - 1;
        for (int i = 0; i < k0.length; i++) {
            long k = k0[i];
            if (k < 0) { // EMPTY or marked (keys are below 2^56, their complements negative)
                continue;
            }
            int j = hash(k, mask);
            while (keys[j] != EMPTY) {
                j = (j + 1) & mask;
            }
            keys[j] = k;
            out[j] = o0[i];
            pteAddr[j] = p0[i];
            flags[j] = f0[i];
            size++;
        }
    }
}
