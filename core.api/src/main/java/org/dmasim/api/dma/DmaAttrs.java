package org.dmasim.api.dma;

import java.util.ArrayList;
import java.util.List;

/** {@code DMA_ATTR_*} bits (include/linux/dma-mapping.h, 6.1 values). */
public final class DmaAttrs {
    public static final long WEAK_ORDERING = 1L << 1;
    public static final long WRITE_COMBINE = 1L << 2;
    public static final long NO_KERNEL_MAPPING = 1L << 4;
    public static final long SKIP_CPU_SYNC = 1L << 5;
    public static final long FORCE_CONTIGUOUS = 1L << 6;
    public static final long ALLOC_SINGLE_PAGES = 1L << 7;
    public static final long NO_WARN = 1L << 8;
    public static final long PRIVILEGED = 1L << 9;

    private static final String[] NAMES = {null, "WEAK_ORDERING", "WRITE_COMBINE", null, "NO_KERNEL_MAPPING",
        "SKIP_CPU_SYNC", "FORCE_CONTIGUOUS", "ALLOC_SINGLE_PAGES", "NO_WARN", "PRIVILEGED"};

    private DmaAttrs() {
    }

    /** Parses "0", a number, or names joined by '|', ',' or '+' (with or without the DMA_ATTR_ prefix). */
    public static long parse(String text) {
        String t = text.trim();
        if (t.isEmpty() || t.equals("0")) {
            return 0;
        }
        if (Character.isDigit(t.charAt(0))) {
            return t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        }
        long v = 0;
        for (String part : t.split("[|,+]")) {
            String name = part.trim().replaceFirst("^DMA_ATTR_", "");
            int bit = java.util.Arrays.asList(NAMES).indexOf(name); // List.of refuses the nulls of unnamed bits
            if (bit < 0) {
                throw new IllegalArgumentException("DMA attribute: " + part.trim()
                    + " (expected: one of DMA_ATTR_WEAK_ORDERING, WRITE_COMBINE, NO_KERNEL_MAPPING, SKIP_CPU_SYNC,"
                    + " FORCE_CONTIGUOUS, ALLOC_SINGLE_PAGES, NO_WARN, PRIVILEGED)");
            }
            v |= 1L << bit;
        }
        return v;
    }

    public static String format(long attrs) {
        if (attrs == 0) {
            return "0";
        }
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < NAMES.length; bit++) {
            if ((attrs & (1L << bit)) != 0 && NAMES[bit] != null) {
                out.add("DMA_ATTR_" + NAMES[bit]);
                attrs &= ~(1L << bit);
            }
        }
        if (attrs != 0) {
            out.add(String.format("%#x", attrs));
        }
        return String.join("|", out);
    }
}
