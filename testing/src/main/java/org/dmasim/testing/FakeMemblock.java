package org.dmasim.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mm.Page;

/**
 * A memblock for a backend's unit tests: memory and reservations as sets of ranges, allocation
 * top-down (or bottom-up) from the free ranges as {@code mm/memblock.c} does, and a record of
 * every allocation request so a test can check what a backend asked for. NOMAP is not modelled
 * (the platform's memblock is the real one; this is for tests that cannot depend on platform).
 * Addresses compare unsigned.
 */
public final class FakeMemblock implements Memblock {
    /** One {@link #allocTryNid} or {@link #allocRange} call and its answer (0 = nothing fitted). */
    public record Request(long size, long align, long min, long max, long result) {
    }

    private final TreeMap<Long, Long> memory = new TreeMap<>(Long::compareUnsigned);
    private final TreeMap<Long, Long> reserved = new TreeMap<>(Long::compareUnsigned);
    private final List<Request> requests = new ArrayList<>();
    private long currentLimit = ALLOC_ANYWHERE;
    private boolean bottomUp;

    /** Memory banks given as base, size, base, size ... */
    public static FakeMemblock withMemory(long... baseSize) {
        FakeMemblock mb = new FakeMemblock();
        for (int i = 0; i < baseSize.length; i += 2) {
            mb.addMemory(baseSize[i], baseSize[i + 1]);
        }
        return mb;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private static boolean below(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    private static long max(long a, long b) {
        return below(a, b) ? b : a;
    }

    private static long min(long a, long b) {
        return below(a, b) ? a : b;
    }

    /** The end of [base, base + size), saturated at the top of the address space. */
    private static long end(long base, long size) {
        long e = base + size;
        return below(e, base) ? -1L : e;
    }

    private static void add(TreeMap<Long, Long> set, long base, long size) {
        if (size == 0) {
            return;
        }
        long s = base;
        long e = end(base, size);
        Map.Entry<Long, Long> before = set.floorEntry(s);
        if (before != null && !below(before.getValue(), s)) {
            s = before.getKey();
            e = max(e, before.getValue());
        }
        for (Map.Entry<Long, Long> n = set.ceilingEntry(s); n != null && !below(e, n.getKey()); n = set.ceilingEntry(s)) {
            e = max(e, n.getValue());
            set.remove(n.getKey());
        }
        set.put(s, e);
    }

    private static void remove(TreeMap<Long, Long> set, long base, long size) {
        long s = base;
        long e = end(base, size);
        for (Map.Entry<Long, Long> r : new ArrayList<>(set.entrySet())) {
            long rs = r.getKey();
            long re = r.getValue();
            if (!below(rs, e) || !below(s, re)) {
                continue;
            }
            set.remove(rs);
            if (below(rs, s)) {
                set.put(rs, s);
            }
            if (below(e, re)) {
                set.put(e, re);
            }
        }
    }

    private static boolean overlaps(TreeMap<Long, Long> set, long base, long size) {
        long e = end(base, size);
        for (Map.Entry<Long, Long> r : set.entrySet()) {
            if (below(r.getKey(), e) && below(base, r.getValue())) {
                return true;
            }
        }
        return false;
    }

    private static List<Region> regions(TreeMap<Long, Long> set) {
        List<Region> out = new ArrayList<>();
        set.forEach((s, e) -> out.add(new Region(s, e - s, NONE)));
        return out;
    }

    @Override
    public void addMemory(long base, long size) {
        add(memory, base, size);
    }

    @Override
    public void removeMemory(long base, long size) {
        remove(memory, base, size);
    }

    @Override
    public void reserve(long base, long size) {
        add(reserved, base, size);
    }

    @Override
    public void free(long base, long size) {
        remove(reserved, base, size);
    }

    @Override
    public void markNomap(long base, long size) {
        throw new UnsupportedOperationException("the test memblock does not model NOMAP");
    }

    @Override
    public void clearNomap(long base, long size) {
        throw new UnsupportedOperationException("the test memblock does not model NOMAP");
    }

    /** {@code memblock_mem_limit_remove_map}: keep the first {@code limit} bytes of memory. */
    @Override
    public void capMemory(long limit) {
        long left = limit;
        for (Map.Entry<Long, Long> r : memory.entrySet()) {
            long size = r.getValue() - r.getKey();
            if (!below(size, left)) {
                long maxAddr = r.getKey() + left;
                remove(memory, maxAddr, -1L - maxAddr);
                remove(reserved, maxAddr, -1L - maxAddr);
                return;
            }
            left -= size;
        }
    }

    @Override
    public long findInRange(long size, long align, long start, long end) {
        if (end == ALLOC_ACCESSIBLE) {
            end = currentLimit;
        }
        start = max(start, Page.PAGE_SIZE); // the first page is never handed out
        end = max(end, start);
        List<Region> free = freeRanges();
        if (bottomUp) {
            for (Region r : free) {
                long lo = min(max(r.base(), start), end);
                long hi = min(max(r.end(), start), end);
                long cand = (lo + align - 1) & -align;
                if (below(cand, hi) && !below(hi - cand, size)) {
                    return cand;
                }
            }
            return 0;
        }
        for (int i = free.size() - 1; i >= 0; i--) {
            long lo = min(max(free.get(i).base(), start), end);
            long hi = min(max(free.get(i).end(), start), end);
            if (below(hi, size)) {
                continue;
            }
            long cand = (hi - size) & -align;
            if (!below(cand, lo)) {
                return cand;
            }
        }
        return 0;
    }

    @Override
    public long allocRange(long size, long align, long start, long end) {
        long found = findInRange(size, align == 0 ? SMP_CACHE_BYTES : align, start, end);
        if (found != 0) {
            reserve(found, size);
        }
        requests.add(new Request(size, align, start, end, found));
        return found;
    }

    @Override
    public long allocTryNid(long size, long align, long minAddr, long maxAddr) {
        long max = below(currentLimit, maxAddr) ? currentLimit : maxAddr;
        long a = align == 0 ? SMP_CACHE_BYTES : align;
        long found = findInRange(size, a, minAddr, max);
        if (found == 0 && minAddr != 0) {
            found = findInRange(size, a, 0, max);
        }
        if (found != 0) {
            reserve(found, size);
        }
        requests.add(new Request(size, align, minAddr, maxAddr, found));
        return found;
    }

    @Override
    public boolean isRegionReserved(long base, long size) {
        return overlaps(reserved, base, size);
    }

    @Override
    public boolean overlapsMemory(long base, long size) {
        return overlaps(memory, base, size);
    }

    @Override
    public boolean isMemory(long addr) {
        return overlaps(memory, addr, 1);
    }

    @Override
    public List<Region> memory() {
        return regions(memory);
    }

    @Override
    public List<Region> reserved() {
        return regions(reserved);
    }

    @Override
    public long physMemSize() {
        return memory.entrySet().stream().mapToLong(r -> r.getValue() - r.getKey()).sum();
    }

    @Override
    public long reservedSize() {
        return reserved.entrySet().stream().mapToLong(r -> r.getValue() - r.getKey()).sum();
    }

    @Override
    public long startOfDram() {
        return memory.isEmpty() ? 0 : memory.firstKey();
    }

    @Override
    public long endOfDram() {
        return memory.isEmpty() ? 0 : memory.lastEntry().getValue();
    }

    @Override
    public long currentLimit() {
        return currentLimit;
    }

    @Override
    public void setCurrentLimit(long limit) {
        currentLimit = limit;
    }

    @Override
    public boolean bottomUp() {
        return bottomUp;
    }

    @Override
    public void setBottomUp(boolean bottomUp) {
        this.bottomUp = bottomUp;
    }

    @Override
    public List<Region> freeRanges() {
        TreeMap<Long, Long> free = new TreeMap<>(Long::compareUnsigned);
        free.putAll(memory);
        reserved.forEach((s, e) -> remove(free, s, e - s));
        return regions(free);
    }
}
