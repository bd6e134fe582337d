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
        int shift = suffixShift(s, r.end());
        return shift == 0 ? r : new Result(r.value() << shift, r.end() + 1);
    }

    /**
     * Whether {@link #parse} from {@code start} wraps: the number or its suffix's shift needs
     * more than 64 bits ({@code 16384P}, {@code 20000000000000000000}). The kernel's memparse
     * wraps silently; dmasim refuses such values where it reads them.
     */
    public static boolean overflows(String s, int start) {
        int base = radix(s, start);
        long v = 0;
        int i = base == 16 ? start + 2 : start;
        for (; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), base);
            if (d < 0) {
                break;
            }
            // v * base + d must stay within an unsigned long long.
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, base)) > 0) {
                return true;
            }
            v = v * base + d;
        }
        int shift = suffixShift(s, i);
        return shift != 0 && v >>> (64 - shift) != 0;
    }

    /** The shift a K, M, G, T, P or E suffix at {@code at} stands for; 0 for none. */
    private static int suffixShift(String s, int at) {
        if (at >= s.length()) {
            return 0;
        }
        return switch (Character.toUpperCase(s.charAt(at))) {
            case 'E' -> 60;
            case 'P' -> 50;
            case 'T' -> 40;
            case 'G' -> 30;
            case 'M' -> 20;
            case 'K' -> 10;
            default -> 0;
        };
    }

    private static int radix(String s, int start) {
        if (hexPrefix(s, start)) {
            return 16;
        }
        return start < s.length() && s.charAt(start) == '0' ? 8 : 10;
    }

    private static boolean hexPrefix(String s, int i) {
        return i + 2 < s.length() && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
            && Character.digit(s.charAt(i + 2), 16) >= 0;
    }

    /** {@code simple_strtoull(s, &end, 0)}. */
    public static Result strtoull(String s, int start) {
        int base = radix(s, start);
        int i = base == 16 ? start + 2 : start;
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
