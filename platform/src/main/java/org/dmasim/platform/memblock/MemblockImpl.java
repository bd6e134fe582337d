package org.dmasim.platform.memblock;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mm.Page;

/**
 * The early boot allocator of one platform ({@code mm/memblock.c}, 6.1).
 *
 * <p>Two {@link RegionArray}s describe RAM ({@code memory}) and what is taken
 * ({@code reserved}). Free space is memory minus reserved, skipping {@code NOMAP} memory.
 * Allocation walks the free ranges from the top ({@code __memblock_find_range_top_down}):
 * for each free range clamped to the request window it takes
 * {@code round_down(range_end - size, align)} if that still lies inside the range; bottom-up
 * mode walks upwards with {@code round_up(range_start, align)}. The first page is never
 * handed out. A successful find is then reserved, which is what makes successive top-down
 * allocations stack below each other — the whole reason boot placements such as "swiotlb
 * directly below CMA" come out as the real kernel prints them.
 */
public final class MemblockImpl implements Memblock {
    private final RegionArray memory = new RegionArray();
    private final RegionArray reserved = new RegionArray();
    private long currentLimit = ALLOC_ANYWHERE;
    private boolean bottomUp;
    private int lastError;

    private void result(boolean ok) {
        lastError = ok ? 0 : -org.dmasim.api.boot.Errno.ENOMEM;
    }

    @Override
    public int lastError() {
        return lastError;
    }

    @Override
    public void allowResize() {
        memory.allowResize();
        reserved.allowResize();
    }

    @Override
    public void addMemory(long base, long size) {
        result(memory.add(base, size, NONE));
    }

    @Override
    public void removeMemory(long base, long size) {
        result(memory.remove(base, size));
    }

    @Override
    public void reserve(long base, long size) {
        result(reserved.add(base, size, NONE));
    }

    @Override
    public void free(long base, long size) {
        result(reserved.remove(base, size));
    }

    @Override
    public void markNomap(long base, long size) {
        result(memory.setFlag(base, size, NOMAP, true));
    }

    @Override
    public void clearNomap(long base, long size) {
        result(memory.setFlag(base, size, NOMAP, false));
    }

    /**
     * {@code memblock_mem_limit_remove_map(limit)}: finds the address below which the regions
     * hold {@code limit} bytes ({@code __find_max_addr}) and drops memory and reservations above.
     */
    @Override
    public void capMemory(long limit) {
        if (limit == 0) {
            return;
        }
        long maxAddr = -1L;
        long left = limit;
        for (Region r : memory.regions()) {
            if (Long.compareUnsigned(left, r.size()) <= 0) {
                maxAddr = r.base() + left;
                break;
            }
            left -= r.size();
        }
        if (maxAddr == -1L) {
            return;
        }
        memory.remove(maxAddr, -1L - maxAddr);
        reserved.remove(maxAddr, -1L - maxAddr);
    }

    @Override
    public long findInRange(long size, long align, long start, long end) {
        if (end == ALLOC_ACCESSIBLE || end == 1) {
            end = currentLimit;
        }
        start = Math.max(start, Page.PAGE_SIZE);
        if (Long.compareUnsigned(end, start) < 0) {
            end = start;
        }
        return bottomUp ? findBottomUp(start, end, size, align) : findTopDown(start, end, size, align);
    }

    private long findTopDown(long start, long end, long size, long align) {
        List<Region> free = freeRanges();
        for (int i = free.size() - 1; i >= 0; i--) {
            long thisStart = clamp(free.get(i).base(), start, end);
            long thisEnd = clamp(free.get(i).end(), start, end);
            if (Long.compareUnsigned(thisEnd, size) < 0) {
                continue;
            }
            long cand = (thisEnd - size) & -align;
            if (Long.compareUnsigned(cand, thisStart) >= 0) {
                return cand;
            }
        }
        return 0;
    }

    private long findBottomUp(long start, long end, long size, long align) {
        for (Region r : freeRanges()) {
            long thisStart = clamp(r.base(), start, end);
            long thisEnd = clamp(r.end(), start, end);
            long cand = (thisStart + align - 1) & -align;
            if (Long.compareUnsigned(cand, thisEnd) < 0 && Long.compareUnsigned(thisEnd - cand, size) >= 0) {
                return cand;
            }
        }
        return 0;
    }

    private static long clamp(long v, long lo, long hi) {
        if (Long.compareUnsigned(v, lo) < 0) {
            return lo;
        }
        return Long.compareUnsigned(v, hi) > 0 ? hi : v;
    }

    @Override
    public long allocRange(long size, long align, long start, long end) {
        if (align == 0) {
            align = SMP_CACHE_BYTES;
        }
        long found = findInRange(size, align, start, end);
        if (found != 0) {
            reserve(found, size);
            if (lastError != 0) {
                return 0; // memblock_alloc_range_nid: a reservation that does not fit fails the allocation
            }
        }
        return found;
    }

    @Override
    public long allocTryNid(long size, long align, long minAddr, long maxAddr) {
        if (Long.compareUnsigned(maxAddr, currentLimit) > 0) {
            maxAddr = currentLimit;
        }
        long found = allocRange(size, align, minAddr, maxAddr);
        if (found == 0 && minAddr != 0) {
            found = allocRange(size, align, 0, maxAddr);
        }
        return found;
    }

    @Override
    public boolean isRegionReserved(long base, long size) {
        return reserved.overlaps(base, size);
    }

    @Override
    public boolean overlapsMemory(long base, long size) {
        return memory.overlaps(base, size);
    }

    @Override
    public boolean isMemory(long addr) {
        for (Region r : memory.regions()) {
            if (Long.compareUnsigned(addr, r.base()) >= 0 && Long.compareUnsigned(addr, r.end()) < 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<Region> memory() {
        return memory.regions();
    }

    @Override
    public List<Region> reserved() {
        return reserved.regions();
    }

    @Override
    public long physMemSize() {
        return memory.totalSize();
    }

    @Override
    public long reservedSize() {
        return reserved.totalSize();
    }

    @Override
    public long startOfDram() {
        return memory.size() == 0 ? 0 : memory.get(0).base();
    }

    @Override
    public long endOfDram() {
        return memory.size() == 0 ? 0 : memory.get(memory.size() - 1).end();
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

    /** Memory minus reserved, NOMAP regions skipped, ascending ({@code for_each_free_mem_range}). */
    @Override
    public List<Region> freeRanges() {
        List<Region> out = new ArrayList<>();
        List<Region> res = reserved.regions();
        for (Region m : memory.regions()) {
            if ((m.flags() & NOMAP) != 0) {
                continue;
            }
            long cursor = m.base();
            long end = m.end();
            for (Region r : res) {
                if (Long.compareUnsigned(r.end(), cursor) <= 0) {
                    continue;
                }
                if (Long.compareUnsigned(r.base(), end) >= 0) {
                    break;
                }
                if (Long.compareUnsigned(r.base(), cursor) > 0) {
                    out.add(new Region(cursor, r.base() - cursor, m.flags()));
                }
                cursor = Long.compareUnsigned(r.end(), end) < 0 ? r.end() : end;
            }
            if (Long.compareUnsigned(cursor, end) < 0) {
                out.add(new Region(cursor, end - cursor, m.flags()));
            }
        }
        return out;
    }
}
