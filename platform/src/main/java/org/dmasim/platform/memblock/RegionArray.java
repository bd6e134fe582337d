package org.dmasim.platform.memblock;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.boot.Memblock.Region;

/**
 * One memblock type ({@code memblock.memory} or {@code memblock.reserved}): regions sorted by
 * base, never overlapping, and merged when they touch and carry the same flags, exactly the
 * invariant {@code memblock_add_range()} and {@code memblock_merge_regions()} keep.
 */
final class RegionArray {
    private final List<Region> regions = new ArrayList<>();

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
        long max = -1L - base;
        return Long.compareUnsigned(size, max) > 0 ? max : size;
    }

    /**
     * {@code memblock_add_range}: adds the parts of [base, base+size) not covered yet; parts
     * already present keep their flags.
     */
    void add(long base, long size, int flags) {
        size = capSize(base, size);
        if (size == 0) {
            return;
        }
        long end = base + size;
        List<Region> out = new ArrayList<>(regions.size() + 2);
        long cursor = base;
        for (Region r : regions) {
            if (Long.compareUnsigned(r.end(), cursor) <= 0 || Long.compareUnsigned(r.base(), end) >= 0) {
                out.add(r);
                continue;
            }
            if (Long.compareUnsigned(r.base(), cursor) > 0) {
                out.add(new Region(cursor, r.base() - cursor, flags));
            }
            out.add(r);
            if (Long.compareUnsigned(r.end(), cursor) > 0) {
                cursor = r.end();
            }
        }
        if (Long.compareUnsigned(cursor, end) < 0) {
            out.add(new Region(cursor, end - cursor, flags));
        }
        out.sort((a, b) -> Long.compareUnsigned(a.base(), b.base()));
        regions.clear();
        regions.addAll(out);
        merge();
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

    /** {@code memblock_remove_range}. */
    void remove(long base, long size) {
        size = capSize(base, size);
        if (size == 0) {
            return;
        }
        long end = base + size;
        isolate(base, end);
        regions.removeIf(r -> Long.compareUnsigned(r.base(), base) >= 0 && Long.compareUnsigned(r.end(), end) <= 0);
    }

    /** {@code memblock_setclr_flag}. */
    void setFlag(long base, long size, int flag, boolean set) {
        size = capSize(base, size);
        if (size == 0) {
            return;
        }
        long end = base + size;
        isolate(base, end);
        for (int i = 0; i < regions.size(); i++) {
            Region r = regions.get(i);
            if (Long.compareUnsigned(r.base(), base) >= 0 && Long.compareUnsigned(r.end(), end) <= 0) {
                regions.set(i, new Region(r.base(), r.size(), set ? r.flags() | flag : r.flags() & ~flag));
            }
        }
        merge();
    }

    private void merge() {
        int i = 0;
        while (i + 1 < regions.size()) {
            Region a = regions.get(i);
            Region b = regions.get(i + 1);
            if (a.end() == b.base() && a.flags() == b.flags()) {
                regions.set(i, new Region(a.base(), a.size() + b.size(), a.flags()));
                regions.remove(i + 1);
            } else {
                i++;
            }
        }
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
