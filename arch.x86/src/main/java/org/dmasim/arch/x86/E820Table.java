package org.dmasim.arch.x86;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.dmasim.api.platform.E820Entry;

/**
 * The firmware memory map as the kernel edits it ({@code arch/x86/kernel/e820.c}): sanitised
 * (overlaps resolved with the larger type number winning, neighbours of one type merged),
 * updated and trimmed. Ends are exclusive here; {@link E820Entry} prints inclusive ends.
 */
final class E820Table {
    /** e820 type numbers; the larger wins an overlap. */
    static int typeNumber(E820Entry.Type t) {
        return switch (t) {
            case USABLE -> 1;
            case RESERVED -> 2;
            case ACPI -> 3;
            case NVS -> 4;
            case UNUSABLE -> 5;
            case PMEM -> 7;
            case PRAM -> 12;
            case SOFT_RESERVED -> 0x7fffffff;
        };
    }

    record Range(long start, long end, E820Entry.Type type) {
    }

    private List<Range> ranges = new ArrayList<>();

    E820Table(List<E820Entry> entries) {
        for (E820Entry e : entries) {
            ranges.add(new Range(e.start(), e.end() + 1, e.type()));
        }
        sanitize();
    }

    List<Range> ranges() {
        return List.copyOf(ranges);
    }

    /** {@code e820__update_table}: elementary intervals, the larger type wins, equal types merge. */
    void sanitize() {
        TreeSet<Long> points = new TreeSet<>(Long::compareUnsigned);
        for (Range r : ranges) {
            points.add(r.start());
            points.add(r.end());
        }
        List<Range> out = new ArrayList<>();
        Long prev = null;
        for (Long p : points) {
            if (prev != null) {
                E820Entry.Type best = null;
                for (Range r : ranges) {
                    if (Long.compareUnsigned(r.start(), prev) <= 0 && Long.compareUnsigned(r.end(), p) >= 0
                        && (best == null || typeNumber(r.type()) > typeNumber(best))) {
                        best = r.type();
                    }
                }
                if (best != null) {
                    Range last = out.isEmpty() ? null : out.get(out.size() - 1);
                    if (last != null && last.end() == prev && last.type() == best) {
                        out.set(out.size() - 1, new Range(last.start(), p, best));
                    } else {
                        out.add(new Range(prev, p, best));
                    }
                }
            }
            prev = p;
        }
        ranges = out;
    }

    /** {@code e820__range_update(start, size, old, new)}. */
    void update(long start, long end, E820Entry.Type from, E820Entry.Type to) {
        List<Range> out = new ArrayList<>();
        for (Range r : ranges) {
            if (r.type() != from || Long.compareUnsigned(r.end(), start) <= 0 || Long.compareUnsigned(r.start(), end) >= 0) {
                out.add(r);
                continue;
            }
            long a = max(r.start(), start);
            long b = min(r.end(), end);
            if (Long.compareUnsigned(r.start(), a) < 0) {
                out.add(new Range(r.start(), a, r.type()));
            }
            out.add(new Range(a, b, to));
            if (Long.compareUnsigned(b, r.end()) < 0) {
                out.add(new Range(b, r.end(), r.type()));
            }
        }
        ranges = out;
        sanitize();
    }

    /** {@code e820__range_remove(start, size, type, check_type=1)}. */
    void remove(long start, long end, E820Entry.Type type) {
        List<Range> out = new ArrayList<>();
        for (Range r : ranges) {
            if (r.type() != type || Long.compareUnsigned(r.end(), start) <= 0 || Long.compareUnsigned(r.start(), end) >= 0) {
                out.add(r);
                continue;
            }
            if (Long.compareUnsigned(r.start(), start) < 0) {
                out.add(new Range(r.start(), start, r.type()));
            }
            if (Long.compareUnsigned(end, r.end()) < 0) {
                out.add(new Range(end, r.end(), r.type()));
            }
        }
        ranges = out;
        sanitize();
    }

    /** {@code e820__end_of_ram_pfn()}: end of the last RAM entry, in pages. */
    long endOfRamPfn() {
        long last = 0;
        for (Range r : ranges) {
            if (r.type() == E820Entry.Type.USABLE && Long.compareUnsigned(r.end() >>> 12, last) > 0) {
                last = r.end() >>> 12;
            }
        }
        return last;
    }

    private static long max(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private static long min(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }
}
