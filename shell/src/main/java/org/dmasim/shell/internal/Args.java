package org.dmasim.shell.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Locale;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.Memparse;

/** Parses what users type in scripts: hex or decimal numbers, sizes with K/M/G, GFP flag names. */
final class Args {
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

    /** GFP flags by name joined with '|', ',' or '+' (GFP_KERNEL,__GFP_ZERO) or a number. */
    static int gfp(String text) {
        // Gogo reads an unquoted "|" as a pipe: "," and "+" join flags too (GFP_KERNEL,__GFP_ZERO).
        String t = text.strip();
        if (!t.isEmpty() && Character.isDigit(t.charAt(0))) {
            return (int) number("gfp", t);
        }
        int v = 0;
        for (String part : t.split("[|,+]")) {
            v |= flag(part.strip());
        }
        return v;
    }

    private static int flag(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        for (Field f : Gfp.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && f.getName().equals(n)) {
                try {
                    return f.getInt(null);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalArgumentException("gfp flag '" + name + "' (expected: GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT,"
            + " GFP_DMA, GFP_DMA32, GFP_HIGHUSER_MOVABLE, __GFP_ZERO, __GFP_NOWARN, ... joined by ',' or '+')");
    }
}
