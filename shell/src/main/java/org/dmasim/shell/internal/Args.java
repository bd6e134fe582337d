package org.dmasim.shell.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.Memparse;

/** Parses what users type in scripts: hex or decimal numbers, sizes with K/M/G, GFP flag names. */
final class Args {
    /** Parameter descriptions the commands share (shown by help NAME). */
    static final String DEVICE = "device name (dma:devices lists them)";
    static final String SIZE = "bytes: 4096, 0x1000 or 4K";
    static final String GFP = "GFP flags joined by ',' or '+', e.g. GFP_KERNEL or GFP_KERNEL,__GFP_ZERO";
    static final String ATTRS = "DMA_ATTR_* names joined by ',' or '+', or 0";
    static final String MASK = "a bit count (32) or a 0x mask";
    static final String ALLOCATION = "what the allocation command returned, e.g. $b after b = dma:dma_alloc_coherent ...";
    static final String PLATFORM = "platform name (default: the only one)";
    static final String DIR = "DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL (TO_DEVICE, 1, ... too)";
    static final String MAPPING = "what the map command returned, e.g. $m after m = dma:dma_map_single ...";
    static final String SG_ENTRIES = "the entries, ADDR:LEN joined by ',' (e.g. 0xffff000080000000:4096,0xffff000080010000:100)";
    static final String SG = "what dma:dma_map_sg or dma:dma_map_sgtable returned, e.g. $sg after sg = dma:dma_map_sg ...";
    static final String DMA_ADDR = "a bus address (dma_addr_t) the device uses, e.g. what a map returned";

    private Args() {
    }

    /** 0x-prefixed hex or decimal; a K/M/G/T suffix multiplies as memparse does. */
    static long number(String what, String text) {
        String t = text.strip();
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            if (!t.isEmpty() && Character.isLetter(t.charAt(t.length() - 1))) {
                return Memparse.parseSize(what, t);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' (expected: a number such as 4096, 0x1000 or 4K)");
        }
    }

    /** A count or an index, not a size: decimal or 0x-prefixed hex, without K/M/G suffixes. */
    static long plainNumber(String what, String text) {
        String t = text.strip();
        try {
            return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16)
                : Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' (expected: a number such as 10 or 0xa)");
        }
    }

    /**
     * GFP flags by name joined with '|', ',' or '+' (GFP_KERNEL,__GFP_ZERO) or a number; the names
     * are those of the platform's kernel ({@code GFP_ATOMIC} is 0xa20 on 6.1, 0x820 on 6.12).
     */
    static int gfp(MmRules rules, String text) {
        // Gogo reads an unquoted "|" as a pipe: "," and "+" join flags too (GFP_KERNEL,__GFP_ZERO).
        String t = text.strip();
        if (!t.isEmpty() && Character.isDigit(t.charAt(0))) {
            return (int) number("gfp", t);
        }
        int v = 0;
        for (String part : t.split("[|,+]")) {
            v |= flag(rules, part.strip());
        }
        return v;
    }

    /** The platform's GFP table. */
    static MmRules gfpTable(Platform p) {
        return PlatformSelector.facility(p, MmRules.class, "mm.buddy");
    }

    /** Every GFP flag name {@link #gfp} accepts on a platform of these rules, for completion. */
    static List<String> gfpNames(MmRules rules) {
        return rules.gfpNames();
    }

    /** The flag names every kernel has, for completion without a platform to ask. */
    static List<String> gfpNames() {
        List<String> out = new ArrayList<>();
        for (Field f : Gfp.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && f.getName().contains("GFP_")) {
                out.add(f.getName());
            }
        }
        out.add("GFP_ATOMIC");
        return out;
    }

    /** Every DMA_ATTR_* name {@link DmaAttrs#parse} accepts, for completion. */
    static List<String> attrNames() {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < Long.SIZE; bit++) {
            String name = DmaAttrs.format(1L << bit);
            if (name.startsWith("DMA_ATTR_")) {
                out.add(name);
            }
        }
        return out;
    }

    /** DMA_ATTR_* names joined by ',' or '+', or a number. */
    static long attrs(String text) {
        try {
            return DmaAttrs.parse(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("attrs: '" + text + "' (expected: DMA_ATTR_* names joined by ','"
                + " or '+', or a number)");
        }
    }

    private static int flag(MmRules rules, String name) {
        try {
            return rules.gfp(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (expected: GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT,"
                + " GFP_DMA, GFP_DMA32, GFP_HIGHUSER_MOVABLE, __GFP_ZERO, __GFP_NOWARN, ... joined by ',' or '+')");
        }
    }
}
