package org.dmasim.platform.memblock;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.Memblock.Region;

/**
 * One memblock type ({@code memblock.memory} or {@code memblock.reserved}): regions sorted by
 * base, never overlapping, and merged when they touch and carry the same flags, exactly the
 * invariant {@code memblock_add_range()} and {@code memblock_merge_regions()} keep.
 *
 * <p>Capacity: the kernel's arrays start with {@code INIT_MEMBLOCK_REGIONS} (128) slots and
 * {@code memblock_double_array()} refuses to grow them until {@code memblock_allow_resize()}
 * (arm64: in paging_init; x86: in e820__memblock_setup), so an add or split that needs more
 * slots fails with -ENOMEM and changes nothing. After that they double as needed (the kernel
 * allocates the bigger array from memblock itself; that page or two is not modelled).
 */
final class RegionArray {
    /** {@code INIT_MEMBLOCK_REGIONS}, also the initial size of the memory and reserved arrays in 6.1. */
    static final int INIT_MEMBLOCK_REGIONS = 128;

    private final List<Region> regions = new ArrayList<>();
    private int max = INIT_MEMBLOCK_REGIONS;
    private boolean canResize;

    /** {@code memblock_allow_resize()}. */
    void allowResize() {
        canResize = true;
    }

    /** Whether {@code needed} more slots fit, doubling the array when resizing is allowed. */
    private boolean room(int needed) {
        while (regions.size() + needed > max) {
            if (!canResize) {
                return false;
            }
            max <<= 1;
        }
        return true;
    }

    List<Region> regions() {
        return List.copyOf(regions);
    }

    int size() {
        return regions.size();
    }

    Region get(int i) {
        return regions.get(i);
    }

    long totalSize() {
        long t = 0;
        for (Region r : regions) {
            t += r.size();
        }
        return t;
    }

    /** Clamps size so that base + size does not wrap, as memblock_cap_size() does. */
    static long capSize(long base, long size) {
        return Memblock.cappedEnd(base, size) - base;
    }

    /**
     * {@code memblock_add_range}: adds the parts of [base, base+size) not covered yet; parts
     * already present keep their flags. Returns false (and changes nothing) when the array is
     * full and may not grow yet.
     */
    boolean add(long base, long size, int flags) {
        size = capSize(base, size);
        if (size == 0) {
            return true;
        }
        long end = base + size;
        List<Region> out = new ArrayList<>(regions.size() + 2);
        int added = 0;
        long cursor = base;
        boolean done = false;
        for (Region r : regions) {
            if (Long.compareUnsigned(r.end(), cursor) <= 0) {
                out.add(r);
                continue;
            }
            if (Long.compareUnsigned(r.base(), end) >= 0) {
                if (!done && Long.compareUnsigned(cursor, end) < 0) {
                    out.add(new Region(cursor, end - cursor, flags));
                    added++;
                }
                done = true;
                out.add(r);
                continue;
            }
            if (Long.compareUnsigned(r.base(), cursor) > 0) {
                out.add(new Region(cursor, r.base() - cursor, flags));
                added++;
            }
            out.add(r);
            if (Long.compareUnsigned(r.end(), cursor) > 0) {
                cursor = r.end();
            }
        }
        if (!done && Long.compareUnsigned(cursor, end) < 0) {
            out.add(new Region(cursor, end - cursor, flags));
            added++;
        }
        if (added == 0) {
            return true;
        }
        if (!room(added)) {
            return false;
        }
        regions.clear();
        regions.addAll(out);
        merge();
        return true;
    }

    /** {@code memblock_isolate_range}: splits regions at base and end so the range is whole regions. */
    private void isolate(long base, long end) {
        List<Region> out = new ArrayList<>(regions.size() + 2);
        for (Region r : regions) {
            long rb = r.base();
            long re = r.end();
            if (Long.compareUnsigned(rb, base) < 0 && Long.compareUnsigned(re, base) > 0) {
                out.add(new Region(rb, base - rb, r.flags()));
                rb = base;
            }
            if (Long.compareUnsigned(rb, end) < 0 && Long.compareUnsigned(re, end) > 0) {
                out.add(new Region(rb, end - rb, r.flags()));
                rb = end;
            }
            out.add(new Region(rb, re - rb, r.flags()));
        }
        regions.clear();
        regions.addAll(out);
    }

    /** {@code memblock_remove_range}; false when the range could not be isolated (no room). */
    boolean remove(long base, long size) {
        size = capSize(base, size);
        if (size == 0) {
            return true;
        }
        long end = base + size;
        if (!room(2)) {
            return false; // memblock_isolate_range wants room for two more regions first
        }
        isolate(base, end);
        regions.removeIf(r -> Long.compareUnsigned(r.base(), base) >= 0 && Long.compareUnsigned(r.end(), end) <= 0);
        return true;
    }

    /** {@code memblock_setclr_flag}; false when the range could not be isolated (no room). */
    boolean setFlag(long base, long size, int flag, boolean set) {
        size = capSize(base, size);
        if (size == 0) {
            return true;
        }
        long end = base + size;
        if (!room(2)) {
            return false;
        }
        isolate(base, end);
        for (int i = 0; i < regions.size(); i++) {
            Region r = regions.get(i);
            if (Long.compareUnsigned(r.base(), base) >= 0 && Long.compareUnsigned(r.end(), end) <= 0) {
                regions.set(i, new Region(r.base(), r.size(), set ? r.flags() | flag : r.flags() & ~flag));
            }
        }
        merge();
        return true;
    }

    private void merge() {
        List<Region> out = new ArrayList<>(regions.size());
        for (Region r : regions) {
            Region last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.end() == r.base() && last.flags() == r.flags()) {
                out.set(out.size() - 1, new Region(last.base(), last.size() + r.size(), last.flags()));
            } else {
                out.add(r);
            }
        }
        regions.clear();
        regions.addAll(out);
    }

    boolean overlaps(long base, long size) {
        size = capSize(base, size);
        long end = base + size;
        for (Region r : regions) {
            if (Long.compareUnsigned(r.base(), end) < 0 && Long.compareUnsigned(base, r.end()) < 0) {
                return true;
            }
        }
        return false;
    }
}
