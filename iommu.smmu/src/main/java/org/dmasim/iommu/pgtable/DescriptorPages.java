package org.dmasim.iommu.pgtable;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.StampedLock;
import org.dmasim.api.mm.PageAllocator;

/**
 * The memory an IOMMU walks: pages of 64-bit descriptors (page tables, stream tables, context
 * descriptors) that the driver writes and the IOMMU's walker reads by physical address.
 *
 * <p>Why a separate store and not {@code PhysMemory}: a strict map or unmap writes one descriptor
 * and the walker reads up to four per translation; going through the byte-addressed RAM and the
 * CPU cache model for each would cost more than the whole kernel path the benchmarks compare
 * against. The pages themselves come from the page allocator (they are counted, zone by zone,
 * exactly as the kernel's {@code alloc_pages_node} table pages are, and a leak shows in
 * {@code MemFree}); only their contents live here, 512 longs per 4 KiB page, keyed by the page's
 * physical address. The walker reaches them by the addresses the descriptors hold, as hardware
 * does, so a descriptor pointing anywhere else is a walk into memory that holds no table.
 *
 * <p>Data layout: an open-addressed table from pfn to {@code long[512]}, linear probing, grown
 * at half load; readers take an optimistic stamp, so a walk costs one hash probe per level and no
 * lock in the common case. Descriptor writes are plain array stores published by the writer's
 * later release (the SMMU model's command queue and its translations share one lock, which orders
 * them as the driver's {@code CMD_SYNC} does), except {@link #compareAndSet}, which io-pgtable uses to install tables.
 */
public final class DescriptorPages {
    /** Bytes per descriptor page (the 4 KiB granule). */
    public static final int PAGE_SIZE = 4096;
    /** Descriptors per page. */
    public static final int ENTRIES = PAGE_SIZE / 8;

    private final PageAllocator pages;
    private final StampedLock lock = new StampedLock();
    private long[] keys = new long[64];
    private long[][] values = new long[64][];
    private int size;
    private final AtomicInteger live = new AtomicInteger();

    public DescriptorPages(PageAllocator pages) {
        this.pages = pages;
        Arrays.fill(keys, -1);
    }

    /**
     * A zeroed descriptor page from the page allocator ({@code alloc_pages(gfp | __GFP_ZERO, 0)});
     * its physical address, or -1 when the allocator has none.
     */
    public long allocPage(int gfp) {
        long pfn = pages.allocPages(gfp, 0);
        if (pfn < 0) {
            return -1;
        }
        long stamp = lock.writeLock();
        try {
            put(pfn, new long[ENTRIES]);
        } finally {
            lock.unlockWrite(stamp);
        }
        live.incrementAndGet();
        return pfn * PAGE_SIZE;
    }

    /**
     * A zeroed, physically contiguous block of {@code 2^order} descriptor pages (the SMMUv3 stream
     * table's 16 KiB level-2 tables are indexed by physical address across page boundaries); its
     * physical address, or -1 when the allocator has none.
     */
    public long allocPages(int gfp, int order) {
        long pfn = pages.allocPages(gfp, order);
        if (pfn < 0) {
            return -1;
        }
        long stamp = lock.writeLock();
        try {
            for (int i = 0; i < 1 << order; i++) {
                put(pfn + i, new long[ENTRIES]);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        live.addAndGet(1 << order);
        return pfn * PAGE_SIZE;
    }

    /** Returns a block from {@link #allocPages(int, int)} to the page allocator. */
    public void freePages(long pa, int order) {
        long pfn = pfnOf(pa);
        long stamp = lock.writeLock();
        try {
            for (int i = 0; i < 1 << order; i++) {
                if (get(pfn + i) == null) {
                    throw new IllegalArgumentException(String.format("free of descriptor block 0x%x order %d: not"
                        + " a block of this IOMMU's tables", pa, order));
                }
            }
            for (int i = 0; i < 1 << order; i++) {
                remove(pfn + i);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        live.addAndGet(-(1 << order));
        pages.freePages(pfn, order);
    }

    /** Returns a page to the page allocator; its descriptors are gone. */
    public void freePage(long pa) {
        long pfn = pfnOf(pa);
        long stamp = lock.writeLock();
        try {
            if (!remove(pfn)) {
                throw new IllegalArgumentException(String.format("free of descriptor page 0x%x: not a page of"
                    + " this IOMMU's tables", pa));
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        live.decrementAndGet();
        pages.freePages(pfn, 0);
    }

    /** Whether {@code pa} lies in a live descriptor page. */
    public boolean holds(long pa) {
        return page(pa) != null;
    }

    /** The descriptor at {@code pa} (8-byte aligned, inside a live page). */
    public long read(long pa) {
        return pageOrThrow(pa)[index(pa)];
    }

    /** Writes the descriptor at {@code pa}. */
    public void write(long pa, long value) {
        pageOrThrow(pa)[index(pa)] = value;
    }

    /** Atomically replaces the descriptor at {@code pa} if it still holds {@code expect}. */
    public boolean compareAndSet(long pa, long expect, long update) {
        long[] p = pageOrThrow(pa);
        int i = index(pa);
        synchronized (p) {
            if (p[i] != expect) {
                return false;
            }
            p[i] = update;
            return true;
        }
    }

    /**
     * The descriptors of the page at {@code pa} as an array the caller may index directly (fast
     * paths that walk many entries of one table); null when no live page is there.
     */
    public long[] page(long pa) {
        long pfn = pfnOf(pa);
        long stamp = lock.tryOptimisticRead();
        long[] p = get(pfn);
        if (!lock.validate(stamp)) {
            stamp = lock.readLock();
            try {
                p = get(pfn);
            } finally {
                lock.unlockRead(stamp);
            }
        }
        return p;
    }

    /** Live descriptor pages (allocated, not yet freed). */
    public int livePages() {
        return live.get();
    }

    private long[] pageOrThrow(long pa) {
        if ((pa & 7) != 0) {
            throw new IllegalArgumentException(String.format("descriptor address 0x%x: not 8-byte aligned", pa));
        }
        long[] p = page(pa);
        if (p == null) {
            throw new IllegalArgumentException(String.format("descriptor address 0x%x: no descriptor page there", pa));
        }
        return p;
    }

    private static long pfnOf(long pa) {
        return pa >>> 12;
    }

    private static int index(long pa) {
        return (int) ((pa & (PAGE_SIZE - 1)) >>> 3);
    }

    // ---- the open-addressed pfn -> page table (writers hold the write lock) ----

    private static int hash(long pfn, int mask) {
        long h = pfn * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & mask;
    }

    private long[] get(long pfn) {
        long[] k = keys;
        long[][] v = values;
        int mask = k.length - 1;
        for (int i = hash(pfn, mask), n = 0; n <= mask; i = (i + 1) & mask, n++) {
            long key = k[i];
            if (key == pfn) {
                return i < v.length ? v[i] : null;
            }
            if (key == -1) {
                return null;
            }
        }
        return null;
    }

    private void put(long pfn, long[] page) {
        if ((size + 1) * 2 > keys.length) {
            rehash(keys.length * 2);
        }
        int mask = keys.length - 1;
        int i = hash(pfn, mask);
        while (keys[i] != -1 && keys[i] != pfn) {
            i = (i + 1) & mask;
        }
        if (keys[i] == -1) {
            size++;
        }
        values[i] = page;
        keys[i] = pfn;
    }

    private boolean remove(long pfn) {
        int mask = keys.length - 1;
        int i = hash(pfn, mask);
        while (keys[i] != pfn) {
            if (keys[i] == -1) {
                return false;
            }
            i = (i + 1) & mask;
        }
        // backward-shift deletion keeps every probe chain unbroken without tombstones
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != -1; j = (j + 1) & mask) {
            int home = hash(keys[j], mask);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = -1;
        values[hole] = null;
        size--;
        return true;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        long[][] oldValues = values;
        long[] k = new long[capacity];
        Arrays.fill(k, -1);
        long[][] v = new long[capacity][];
        int mask = capacity - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != -1) {
                int j = hash(oldKeys[i], mask);
                while (k[j] != -1) {
                    j = (j + 1) & mask;
                }
                k[j] = oldKeys[i];
                v[j] = oldValues[i];
            }
        }
        // publish values before keys: an optimistic reader that sees the new keys sees their pages
        values = v;
        keys = k;
    }
}
