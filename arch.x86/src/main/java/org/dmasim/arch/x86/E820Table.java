package org.dmasim.arch.x86;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.E820Entry;
import org.dmasim.api.platform.LogLine;

/**
 * The kernel's {@code e820_table} ({@code arch/x86/kernel/e820.c}, 6.1): a bounded array of
 * (addr, size, type) entries that firmware and command-line parameters append to, edit in
 * place, and that {@code e820__update_table()} sanitizes.
 *
 * <p>Data layout: entries in insertion order, as the kernel's array; an edit may leave it
 * unsorted and overlapping until the next {@link #updateTable()}. The array holds at most
 * {@link #E820_MAX_ENTRIES}; {@code __e820__range_add} drops what does not fit with the
 * kernel's "too many entries" error, which is also what bounds the work for a huge map.
 *
 * <p>Sanitizing is the kernel's change-point sweep: every non-empty entry contributes its start
 * and end, sorted by address (a start before an end at the same address); walking them with a
 * count per type, the highest type present wins each elementary interval, and neighbours of
 * the same type merge, except persistent memory (type 12) and soft-reserved ranges, which the
 * kernel keeps apart ({@code e820_nomerge}). The sweep is O(n log n).
 */
final class E820Table {
    static final int RAM = 1;
    static final int RESERVED = 2;
    static final int ACPI = 3;
    static final int NVS = 4;
    static final int UNUSABLE = 5;
    static final int PMEM = 7;
    static final int PRAM = 12;
    static final int RESERVED_KERN = 128;
    static final int SOFT_RESERVED = 0xefffffff;

    /**
     * {@code E820_MAX_ENTRIES} with CONFIG_EFI on x86_64: {@code E820_MAX_ENTRIES_ZEROPAGE} (128)
     * plus 3 per possible NUMA node; Debian 12's amd64 kernel has NODES_SHIFT 10, so 1024 nodes.
     */
    static final int E820_MAX_ENTRIES = 128 + 3 * (1 << 10);

    /** One entry; {@code size} is unsigned and {@code addr + size} may not wrap in a sane table. */
    record Entry(long addr, long size, int type) {
        long end() {
            return addr + size;
        }
    }

    /** How many "too many entries" lines are printed before dmasim counts the rest instead. */
    static final int DROPS_PRINTED = 16;

    private final List<Entry> entries = new ArrayList<>();
    private final BootLog log;
    private long dropped;

    E820Table(BootLog log) {
        this.log = log;
    }

    /** The firmware map: appended entry by entry (bounded), then sanitized. */
    static E820Table firmware(List<E820Entry> map, BootLog log) {
        E820Table t = new E820Table(log);
        for (E820Entry e : map) {
            t.rangeAdd(e.start(), e.size(), typeNumber(e.type()));
        }
        t.reportDrops();
        t.updateTable();
        return t;
    }

    static int typeNumber(E820Entry.Type t) {
        return switch (t) {
            case USABLE -> RAM;
            case RESERVED -> RESERVED;
            case ACPI -> ACPI;
            case NVS -> NVS;
            case UNUSABLE -> UNUSABLE;
            case PMEM -> PMEM;
            case PRAM -> PRAM;
            case SOFT_RESERVED -> SOFT_RESERVED;
        };
    }

    /** {@code e820_print_type}. */
    static String typeName(int type) {
        return switch (type) {
            case RAM, RESERVED_KERN -> "usable";
            case RESERVED -> "reserved";
            case SOFT_RESERVED -> "soft reserved";
            case ACPI -> "ACPI data";
            case NVS -> "ACPI NVS";
            case UNUSABLE -> "unusable";
            case PMEM, PRAM -> "persistent (type " + Integer.toUnsignedString(type) + ")";
            default -> "type " + Integer.toUnsignedString(type);
        };
    }

    List<Entry> entries() {
        return List.copyOf(entries);
    }

    int size() {
        return entries.size();
    }

    /** {@code memmap=exactmap}: the table is emptied. */
    void clear() {
        entries.clear();
    }

    /** {@code __e820__range_add}: appends, or drops the range when the table is full. */
    void rangeAdd(long start, long size, int type) {
        if (entries.size() >= E820_MAX_ENTRIES) {
            if (dropped++ < DROPS_PRINTED) {
                log.err(String.format("too many entries; ignoring [mem %#010x-%#010x]", start, start + size - 1));
            }
            return;
        }
        entries.add(new Entry(start, size, type));
    }

    /**
     * After a batch of adds: the kernel prints one line per dropped range; past
     * {@link #DROPS_PRINTED} dmasim says how many more there were instead.
     */
    void reportDrops() {
        if (dropped > 0) {
            log.dmasim("e820: the table holds " + E820_MAX_ENTRIES + " entries (E820_MAX_ENTRIES: 128 + 3 per possible"
                + " NUMA node, 1024 nodes in Debian's build); " + dropped + " more ranges were dropped"
                + (dropped > DROPS_PRINTED ? ", the kernel's line printed for the first " + DROPS_PRINTED : ""));
            dropped = 0;
        }
    }

    /** {@code __e820__range_update}: the parts of {@code oldType} entries inside the range become {@code newType}. */
    long rangeUpdate(long start, long size, int oldType, int newType) {
        if (Long.compareUnsigned(size, -1L - start) > 0) {
            size = -1L - start;
        }
        long end = start + size;
        log.add(LogLine.Level.DEBUG, String.format("e820: update [mem %#010x-%#010x] %s ==> %s", start, end - 1,
            typeName(oldType), typeName(newType)));
        long updated = 0;
        // Like the kernel's loop over nr_entries, this also visits what the loop itself appends.
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.type() != oldType) {
                continue;
            }
            long entryEnd = e.end();
            if (geU(e.addr(), start) && leU(entryEnd, end)) {
                entries.set(i, new Entry(e.addr(), e.size(), newType));
                updated += e.size();
                continue;
            }
            if (ltU(e.addr(), start) && gtU(entryEnd, end)) {
                rangeAdd(start, size, newType);
                rangeAdd(end, entryEnd - end, e.type());
                entries.set(i, new Entry(e.addr(), start - e.addr(), e.type()));
                updated += size;
                continue;
            }
            long finalStart = maxU(start, e.addr());
            long finalEnd = minU(end, entryEnd);
            if (geU(finalStart, finalEnd)) {
                continue;
            }
            rangeAdd(finalStart, finalEnd - finalStart, newType);
            updated += finalEnd - finalStart;
            cut(i, e, finalStart, finalEnd);
        }
        return updated;
    }

    /** {@code e820__range_remove}: with {@code checkType}, only entries of {@code oldType} lose the range. */
    long rangeRemove(long start, long size, int oldType, boolean checkType) {
        if (Long.compareUnsigned(size, -1L - start) > 0) {
            size = -1L - start;
        }
        long end = start + size;
        log.add(LogLine.Level.DEBUG, String.format("e820: remove [mem %#010x-%#010x] %s", start, end - 1,
            checkType ? typeName(oldType) : "").stripTrailing());
        long removed = 0;
        // Like the kernel's loop over nr_entries, this also visits what the loop itself appends.
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (checkType && e.type() != oldType) {
                continue;
            }
            long entryEnd = e.end();
            if (geU(e.addr(), start) && leU(entryEnd, end)) {
                removed += e.size();
                entries.set(i, new Entry(0, 0, 0));
                continue;
            }
            if (ltU(e.addr(), start) && gtU(entryEnd, end)) {
                rangeAdd(end, entryEnd - end, e.type());
                entries.set(i, new Entry(e.addr(), start - e.addr(), e.type()));
                removed += size;
                continue;
            }
            long finalStart = maxU(start, e.addr());
            long finalEnd = minU(end, entryEnd);
            if (geU(finalStart, finalEnd)) {
                continue;
            }
            removed += finalEnd - finalStart;
            cut(i, e, finalStart, finalEnd);
        }
        return removed;
    }

    /** Entry {@code i} loses [finalStart, finalEnd), a part at its head or its tail (the kernel's "partially covered"). */
    private void cut(int i, Entry e, long finalStart, long finalEnd) {
        long left = e.size() - (finalEnd - finalStart);
        entries.set(i, ltU(e.addr(), finalStart) ? new Entry(e.addr(), left, e.type())
            : new Entry(finalEnd, left, e.type()));
    }

    /** A change point of the sweep: an entry's start or end. */
    private record Point(long addr, boolean start, int type) {
    }

    /**
     * {@code e820__update_table}: sanitizes in place. Returns false, leaving the table as it
     * is, when there is fewer than two entries or an entry wraps past 2^64 (the kernel's -1).
     */
    boolean updateTable() {
        if (entries.size() < 2) {
            return false;
        }
        List<Point> points = new ArrayList<>(2 * entries.size());
        for (Entry e : entries) {
            if (Long.compareUnsigned(e.end(), e.addr()) < 0) {
                return false;
            }
            if (e.size() != 0) {
                points.add(new Point(e.addr(), true, e.type()));
                points.add(new Point(e.end(), false, e.type()));
            }
        }
        points.sort(Comparator.comparing(Point::addr, Long::compareUnsigned)
            .thenComparing(p -> !p.start()));
        TreeMap<Long, Integer> open = new TreeMap<>();
        List<Entry> out = new ArrayList<>();
        long lastType = 0;
        long lastAddr = 0;
        for (Point p : points) {
            long type = Integer.toUnsignedLong(p.type());
            if (p.start()) {
                open.merge(type, 1, Integer::sum);
            } else if (open.merge(type, -1, Integer::sum) == 0) {
                open.remove(type);
            }
            long current = open.isEmpty() ? 0 : open.lastKey();
            if (current != lastType || noMerge((int) current)) {
                if (lastType != 0 && p.addr() != lastAddr) {
                    out.add(new Entry(lastAddr, p.addr() - lastAddr, (int) lastType));
                    if (out.size() >= E820_MAX_ENTRIES) {
                        break;
                    }
                }
                if (current != 0) {
                    lastAddr = p.addr();
                }
                lastType = current;
            }
        }
        entries.clear();
        entries.addAll(out);
        return true;
    }

    /** {@code e820_nomerge}: ranges that may stand for distinct devices or nodes stay apart. */
    private static boolean noMerge(int type) {
        return type == PRAM || type == SOFT_RESERVED;
    }

    /** {@code e820__mapped_all}: is [start, end) covered by entries of {@code type} (0: any)? Needs a sanitized table. */
    boolean mappedAll(long start, long end, int type) {
        for (Entry e : entries) {
            if (type != 0 && e.type() != type) {
                continue;
            }
            if (geU(e.addr(), end) || leU(e.end(), start)) {
                continue;
            }
            if (leU(e.addr(), start)) {
                start = e.end();
            }
            if (geU(start, end)) {
                return true;
            }
        }
        return false;
    }

    /** The entries overlapping [start, end) that are not of {@code type}. */
    List<Entry> overlapsOtherThan(long start, long end, int type) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.type() != type && e.size() != 0 && ltU(e.addr(), end) && ltU(start, e.end())) {
                out.add(e);
            }
        }
        return out;
    }

    /** {@code e820__end_of_ram_pfn()} in 6.1: the end of the highest RAM entry, in pages. */
    long endOfRamPfn() {
        long last = 0;
        for (Entry e : entries) {
            if (e.type() == RAM && Long.compareUnsigned(e.end() >>> 12, last) > 0) {
                last = e.end() >>> 12;
            }
        }
        return last;
    }

    /** {@code e820__print_table(who)}. */
    void print(String who) {
        for (Entry e : entries) {
            log.info(String.format("%s: [mem %#018x-%#018x] %s", who, e.addr(), e.end() - 1, typeName(e.type())));
        }
    }

    static String describe(Entry e) {
        return String.format("[mem %#018x-%#018x] %s", e.addr(), e.end() - 1, typeName(e.type()));
    }

    private static boolean ltU(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    private static boolean leU(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0;
    }

    private static boolean gtU(long a, long b) {
        return Long.compareUnsigned(a, b) > 0;
    }

    private static boolean geU(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0;
    }

    private static long maxU(long a, long b) {
        return geU(a, b) ? a : b;
    }

    private static long minU(long a, long b) {
        return leU(a, b) ? a : b;
    }
}
