package org.dmasim.api.platform;

/**
 * {@code memparse()} and {@code simple_strtoull()} of {@code lib/cmdline.c}: a number in C
 * notation (0x hex, leading 0 octal, else decimal) with an optional K, M, G, T, P or E suffix.
 */
public final class Memparse {
    /** A parsed value and the index where parsing stopped. */
    public record Result(long value, int end) {
    }

    private Memparse() {
    }

    /** Parses from {@code start}; never fails, like the kernel (no digits gives 0 at start). */
    public static Result parse(String s, int start) {
        Result r = strtoull(s, start);
        long v = r.value();
        int end = r.end();
        if (end < s.length()) {
            int shift = switch (Character.toUpperCase(s.charAt(end))) {
                case 'E' -> 60;
                case 'P' -> 50;
                case 'T' -> 40;
                case 'G' -> 30;
                case 'M' -> 20;
                case 'K' -> 10;
                default -> 0;
            };
            if (shift != 0) {
                v <<= shift;
                end++;
            }
        }
        return new Result(v, end);
    }

    /** {@code simple_strtoull(s, &end, 0)}. */
    public static Result strtoull(String s, int start) {
        int i = start;
        int base = 10;
        if (i + 1 < s.length() && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
            && i + 2 < s.length() && Character.digit(s.charAt(i + 2), 16) >= 0) {
            base = 16;
            i += 2;
        } else if (i < s.length() && s.charAt(i) == '0') {
            base = 8;
        }
        long v = 0;
        while (i < s.length()) {
            int d = Character.digit(s.charAt(i), base);
            if (d < 0) {
                break;
            }
            v = v * base + d;
            i++;
        }
        return new Result(v, i);
    }

    /**
     * A whole value that must be a size and nothing else, for dmasim's own inputs and for
     * kernel parameters whose trailing garbage the kernel would silently ignore.
     *
     * @throws InvalidInputException naming {@code what} when characters are left over
     */
    public static long parseSize(String what, String s) {
        if (s == null || s.isEmpty() || Character.digit(s.charAt(0), 10) < 0) {
            throw new InvalidInputException(what + ": '" + s + "' is not a size (expected a number"
                + " such as 64M, 0x4000000 or 2G; suffixes K M G T P E)");
        }
        Result r = parse(s, 0);
        if (r.end() != s.length()) {
            throw new InvalidInputException(what + ": invalid size '" + s + "': memparse stops at '"
                + s.substring(r.end()) + "' (expected a number with an optional K, M, G, T, P or E suffix)");
        }
        return r.value();
    }
}
