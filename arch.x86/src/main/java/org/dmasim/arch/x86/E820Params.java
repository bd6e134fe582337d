package org.dmasim.arch.x86;

import java.util.List;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.EarlyParam;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Memparse;

/**
 * The early parameters that edit the e820 table ({@code arch/x86/kernel/e820.c}, 6.1), and
 * {@code e820__finish_early_params()} that sanitizes and prints the result:
 * <ul>
 * <li>{@code mem=nn[KMG]}: RAM above nn is removed ({@code parse_memopt}); {@code mem=nopentium}
 *     is a 32-bit option that 64-bit kernels warn about and reject; a value without a number
 *     is rejected (the kernel will not remove all memory) after it has already set
 *     {@code userdef}, so the "user-defined physical RAM map" still appears.</li>
 * <li>{@code memmap=} ({@code parse_memmap_opt}), comma-separated entries, each
 *     {@code nn@ss} (usable RAM), {@code nn#ss} (ACPI data), {@code nn$ss} (reserved),
 *     {@code nn!ss} (persistent memory, type 12), {@code nn%ss-old+new} (retype, add or remove
 *     any type), plain {@code nn} (like {@code mem=}) or {@code exactmap} (start from an empty
 *     table). The kernel ignores what each entry returns, so {@code memmap=} is never a
 *     "Malformed early option"; a range is appended and overlaps are resolved when the table is
 *     sanitized (the larger type wins, so {@code memmap=8G!8G} turns that RAM into persistent
 *     memory).</li>
 * </ul>
 * One dmasim rule on top: characters the kernel would silently ignore after an entry's numbers
 * are refused, naming the entry (see {@link Memparse#parseParam}).
 */
final class E820Params {
    /** {@code userdef}: some parameter edited the table, so it is sanitized and printed. */
    private boolean userdef;
    private final E820Table table;

    E820Params(E820Table table) {
        this.table = table;
    }

    static List<EarlyParam> handlers() {
        return List.of(EarlyParam.of("mem", (value, ctx) -> of(ctx).parseMemopt(value, ctx)),
            EarlyParam.of("memmap", (value, ctx) -> of(ctx).parseMemmapOpt(value)));
    }

    private static E820Params of(BootContext ctx) {
        return ctx.require(E820Params.class);
    }

    /** {@code parse_memopt}. */
    int parseMemopt(String p, BootContext ctx) {
        if (p == null) {
            return -Errno.EINVAL;
        }
        if (p.equals("nopentium")) {
            ctx.log().warn("mem=nopentium ignored! (only supported on x86_32)");
            return -Errno.EINVAL;
        }
        userdef = true;
        long size = Memparse.parseParam("mem", p);
        if (size == 0) {
            return -Errno.EINVAL; // "Don't remove all memory when getting mem={invalid}"
        }
        table.rangeRemove(size, -1L - size, E820Table.RAM, true);
        return 0;
    }

    /** {@code parse_memmap_opt}: every entry is applied; what each returns is discarded. */
    int parseMemmapOpt(String str) {
        if (str == null) {
            return 0; // parse_memmap_one(NULL) is -EINVAL, and parse_memmap_opt returns 0 regardless
        }
        for (String one : str.split(",", -1)) {
            parseMemmapOne(one);
        }
        return 0;
    }

    /** {@code parse_memmap_one}, refusing what it would ignore at the end of an entry. */
    private void parseMemmapOne(String p) {
        if (p.startsWith("exactmap")) {
            table.clear();
            userdef = true;
            return;
        }
        String entry = "memmap=" + p;
        if (p.isEmpty() || !Character.isDigit(p.charAt(0))) {
            // memparse takes nothing (the kernel ignores the entry), or only a suffix letter: then
            // the kernel goes on with a size of 0, and memmap=garbage removes all RAM above 0.
            boolean suffixOnly = Memparse.parse(p, 0).end() > 0;
            throw new InvalidInputException(entry + ": expected nn[KMG] followed by @ss, #ss, $ss, !ss, %ss-old+new,"
                + " nothing, or 'exactmap' (Linux would " + (suffixOnly ? "read a size of 0 from '" + p.charAt(0)
                + "' and apply the rest of the entry to it" : "ignore this entry") + ")");
        }
        Memparse.Result size = parse(entry, p, 0);
        int at = size.end();
        userdef = true;
        if (at == p.length()) {
            table.rangeRemove(size.value(), -1L - size.value(), E820Table.RAM, true);
            return;
        }
        char op = p.charAt(at);
        Memparse.Result start = parse(entry, p, at + 1);
        at = start.end();
        switch (op) {
            case '@' -> table.rangeAdd(start.value(), size.value(), E820Table.RAM);
            case '#' -> table.rangeAdd(start.value(), size.value(), E820Table.ACPI);
            case '$' -> table.rangeAdd(start.value(), size.value(), E820Table.RESERVED);
            case '!' -> table.rangeAdd(start.value(), size.value(), E820Table.PRAM);
            case '%' -> {
                retype(entry, p, at, size.value(), start.value());
                return;
            }
            default -> throw new InvalidInputException(entry + ": '" + op + "' after the size is not a memmap operator"
                + " (@ usable, # ACPI data, $ reserved, ! persistent, % retype); Linux would take the entry as"
                + " memmap=" + p.substring(0, size.end()) + ", a limit like mem=, and ignore the rest");
        }
        if (at != p.length()) {
            throw Memparse.trailing(entry, p, start);
        }
    }

    /** {@code nn%ss-old+new}: both types retype, only {@code +new} adds, only {@code -old} removes that type. */
    private void retype(String entry, String p, int at, long size, long start) {
        long from = 0;
        long to = 0;
        if (at < p.length() && p.charAt(at) == '-') {
            Memparse.Result r = strtoull(entry, p, at + 1);
            from = r.value();
            at = r.end();
        }
        if (at < p.length() && p.charAt(at) == '+') {
            Memparse.Result r = strtoull(entry, p, at + 1);
            to = r.value();
            at = r.end();
        }
        if (at != p.length()) {
            throw new InvalidInputException(entry + ": unexpected '" + p.substring(at) + "' (format nn%ss-oldtype+newtype;"
                + " Linux would ignore this entry)");
        }
        // The kernel keeps the types as enum e820_type: the low 32 bits.
        int fromType = (int) from;
        int toType = (int) to;
        if (fromType != 0 && toType != 0) {
            if (fromType == toType) {
                throw new InvalidInputException(entry + ": the old and the new type are the same; Linux stops the"
                    + " boot at BUG_ON(old_type == new_type) in __e820__range_update");
            }
            table.rangeUpdate(start, size, fromType, toType);
        } else if (toType != 0) {
            table.rangeAdd(start, size, toType);
        } else if (fromType != 0) {
            table.rangeRemove(start, size, fromType, true);
        } else {
            table.rangeRemove(start, size, 0, false);
        }
    }

    private static Memparse.Result parse(String entry, String p, int from) {
        try {
            return Memparse.parse(p, from);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(entry + ": " + e.getMessage(), e);
        }
    }

    private static Memparse.Result strtoull(String entry, String p, int from) {
        try {
            return Memparse.strtoull(p, from);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(entry + ": " + e.getMessage(), e);
        }
    }

    /** {@code e820__finish_early_params()}. */
    void finish(BootContext ctx) {
        table.reportDrops();
        if (!userdef) {
            return;
        }
        if (!table.updateTable()) {
            throw new InvalidInputException("mem=/memmap=: Invalid user supplied memory map (the edited e820 table has "
                + table.size() + " entr" + (table.size() == 1 ? "y" : "ies")
                + "; Linux needs two or more to sanitize it and panics)");
        }
        ctx.log().info("user-defined physical RAM map:");
        table.print("user");
    }
}
