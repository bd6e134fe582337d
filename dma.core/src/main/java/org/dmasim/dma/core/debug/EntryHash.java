package org.dmasim.dma.core.debug;

import java.util.function.BiPredicate;
import java.util.function.ObjIntConsumer;

/**
 * {@code dma_entry_hash}: DMA-API debug's index of live entries, the kernel's own layout so that
 * lookups find what the kernel's find (and miss what it misses).
 *
 * <p><b>Layout.</b> {@value #HASH_SIZE} buckets, each a doubly linked list of
 * {@link DebugEntry}s kept in insertion order (new entries at the tail); the bucket of an entry
 * is {@code (dev_addr >> 13) & 16383}, so one bucket holds the entries of one 8 KiB window of bus
 * addresses (and of every 128 MiB-apart window aliasing it). Two arrays hold each list's head
 * and tail; an entry knows its neighbours and its bucket, so removal is O(1).
 *
 * <p><b>Lookups.</b> {@code __hash_bucket_find} walks one bucket for entries that match
 * (same device and address for an unmap, a containing range for a sync) and returns the best
 * fit: the first whose size, type, direction and list length all equal the reference's, else the
 * first of the highest level, but only when exactly one entry matched; several imperfect
 * matches give nothing. A sync of part of a mapping starts in the bucket of its address and
 * walks back one bucket (8 KiB) at a time, at most as many buckets as lie between the address and
 * 0, and at most all {@value #HASH_SIZE} ({@code bucket_find_contain}, 6.1).
 *
 * <p>Not thread safe: {@link DmaDebug} holds its lock around every use (the kernel locks each
 * bucket; one lock is the same to an observer).
 */
final class EntryHash {
    static final int HASH_SIZE = 16384;
    static final int HASH_FN_SHIFT = 13;
    private static final int HASH_FN_MASK = HASH_SIZE - 1;

    private final DebugEntry[] head = new DebugEntry[HASH_SIZE];
    private final DebugEntry[] tail = new DebugEntry[HASH_SIZE];

    /** {@code hash_fn}. */
    static int bucketOf(long devAddr) {
        return (int) ((devAddr >>> HASH_FN_SHIFT) & HASH_FN_MASK);
    }

    /** {@code hash_bucket_add}: at the tail of its bucket. */
    void add(DebugEntry e) {
        int b = bucketOf(e.devAddr);
        e.bucket = b;
        e.prev = tail[b];
        e.next = null;
        if (tail[b] == null) {
            head[b] = e;
        } else {
            tail[b].next = e;
        }
        tail[b] = e;
    }

    /** {@code hash_bucket_del}. */
    void remove(DebugEntry e) {
        int b = e.bucket;
        if (e.prev == null) {
            head[b] = e.next;
        } else {
            e.prev.next = e.next;
        }
        if (e.next == null) {
            tail[b] = e.prev;
        } else {
            e.next.prev = e.prev;
        }
        e.prev = null;
        e.next = null;
        e.bucket = -1;
    }

    /** {@code __hash_bucket_find} in one bucket. */
    private DebugEntry find(int bucket, DebugEntry ref, BiPredicate<DebugEntry, DebugEntry> match) {
        DebugEntry best = null;
        int matches = 0;
        int bestLevel = -1;
        for (DebugEntry e = head[bucket]; e != null; e = e.next) {
            if (!match.test(e, ref)) {
                continue;
            }
            matches++;
            int level = e.matchLevel(ref);
            if (level == 4) {
                return e;
            }
            if (level > bestLevel) {
                bestLevel = level;
                best = e;
            }
        }
        return matches == 1 ? best : null;
    }

    /** {@code bucket_find_exact}: the entry an unmap of {@code ref} means, or null. */
    DebugEntry findExact(DebugEntry ref) {
        return find(bucketOf(ref.devAddr), ref, DebugEntry::exactMatch);
    }

    /** {@code bucket_find_contain}: the entry whose range holds the synced range, walking back bucket by bucket. */
    DebugEntry findContaining(DebugEntry ref) {
        long limit = Math.min(HASH_SIZE, (ref.devAddr >>> HASH_FN_SHIFT) + 1);
        long addr = ref.devAddr;
        for (long i = 0; i < limit; i++) {
            DebugEntry e = find(bucketOf(addr), ref, DebugEntry::contains);
            if (e != null) {
                return e;
            }
            addr -= 1L << HASH_FN_SHIFT;
        }
        return null;
    }

    /**
     * {@code debug_dma_mapping_error}'s walk: the first entry of the device at exactly
     * {@code devAddr} (in bucket order) that is waiting for its map error check.
     */
    DebugEntry firstUnchecked(DebugDevice dev, long devAddr) {
        for (DebugEntry e = head[bucketOf(devAddr)]; e != null; e = e.next) {
            if (e.dev == dev && e.devAddr == devAddr && e.mapErr == MapErr.NOT_CHECKED) {
                return e;
            }
        }
        return null;
    }

    /** Every entry, bucket by bucket, each bucket in list order (what the dump and the leak count walk). */
    void forEach(ObjIntConsumer<DebugEntry> action) {
        for (int b = 0; b < HASH_SIZE; b++) {
            for (DebugEntry e = head[b]; e != null; e = e.next) {
                action.accept(e, b);
            }
        }
    }
}
