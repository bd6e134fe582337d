package org.dmasim.api.platform;

/**
 * {@code memparse()} and {@code simple_strtoull()} of {@code lib/cmdline.c}: a number in C
 * notation (0x hex, leading 0 octal, else decimal) with an optional K, M, G, T, P or E suffix.
 *
 * <p>One rule is dmasim's own: a value that does not fit in 64 bits ({@code cma=16384P},
 * twenty decimal digits) is an {@link InvalidInputException} wherever it is parsed. The kernel
 * wraps it silently modulo 2^64, so {@code cma=16384P} would reserve nothing and
 * {@code mem=16E} would be taken as 0; no one means that.
 */
public final class Memparse {
    /** A parsed value and the index where parsing stopped. */
    public record Result(long value, int end) {
    }

    private Memparse() {
    }

    /**
     * Parses from {@code start}; like the kernel it stops at the first character it does not
     * take (no digits gives 0 at start, though a suffix letter is still taken).
     *
     * @throws InvalidInputException when the number or its suffix overflows 64 bits
     */
    public static Result parse(String s, int start) {
        Result r = strtoull(s, start);
        int shift = suffixShift(s, r.end());
        if (shift != 0 && r.value() >>> (64 - shift) != 0) {
            throw overflow(s.substring(start, r.end() + 1), r.value() << shift);
        }
        return shift == 0 ? r : new Result(r.value() << shift, r.end() + 1);
    }

    /**
     * Whether {@link #parse} from {@code start} wraps: the number or its suffix's shift needs
     * more than 64 bits ({@code 16384P}, {@code 20000000000000000000}). The kernel's memparse
     * wraps silently; dmasim refuses such values where it reads them.
     */
    public static boolean overflows(String s, int start) {
        try {
            parse(s, start);
            return false;
        } catch (InvalidInputException e) {
            return true; // parse's one overflow rule, asked without failing
        }
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

    /**
     * {@code simple_strtoull(s, &end, 0)}.
     *
     * @throws InvalidInputException when the digits do not fit in 64 bits
     */
    public static Result strtoull(String s, int start) {
        int base = radix(s, start);
        int i = base == 16 ? start + 2 : start;
        long v = 0;
        boolean overflow = false;
        while (i < s.length()) {
            int d = Character.digit(s.charAt(i), base);
            if (d < 0) {
                break;
            }
            overflow |= Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, base)) > 0;
            v = v * base + d;
            i++;
        }
        if (overflow) {
            throw overflow(s.substring(start, i), v);
        }
        return new Result(v, i);
    }

    private static InvalidInputException overflow(String token, long wrapped) {
        return new InvalidInputException("'" + token + "' does not fit in 64 bits (Linux would silently wrap it"
            + " to " + Long.toUnsignedString(wrapped) + ")");
    }

    /**
     * The value of a kernel parameter whose handler reads it with {@code memparse()}, e.g.
     * {@code mem=}. A value without digits is 0, as in the kernel, whose handlers define their
     * reaction to that ({@code mem=garbage}); characters after a number are refused, naming the
     * parameter, because Linux would silently use the leading number ({@code mem=12Q} is 12
     * bytes there) and a simulator that did so would hide the typo.
     *
     * @throws InvalidInputException for trailing characters after a number, or an overflow
     */
    public static long parseParam(String param, String value) {
        if (value.isEmpty() || Character.digit(value.charAt(0), 10) < 0) {
            return 0;
        }
        Result r;
        try {
            r = parse(value, 0);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(param + "=" + value + ": " + e.getMessage(), e);
        }
        if (r.end() != value.length()) {
            throw trailing(param + "=" + value, value, r);
        }
        return r.value();
    }

    /** The error for characters left after a number: dmasim is stricter than the kernel here. */
    public static InvalidInputException trailing(String input, String value, Result r) {
        return new InvalidInputException(input + ": invalid size: memparse stops at '" + value.substring(r.end())
            + "' (expected a number with an optional K, M, G, T, P or E suffix); Linux would silently use "
            + Long.toUnsignedString(r.value()) + " and ignore the rest, dmasim refuses it");
    }

    /**
     * A whole value that must be a size and nothing else, for dmasim's own inputs and for
     * kernel parameters whose trailing garbage the kernel would silently ignore.
     *
     * @throws InvalidInputException naming {@code what} when characters are left over or the
     *     value overflows
     */
    public static long parseSize(String what, String s) {
        if (s == null || s.isEmpty() || Character.digit(s.charAt(0), 10) < 0) {
            throw new InvalidInputException(what + ": '" + s + "' is not a size (expected a number"
                + " such as 64M, 0x4000000 or 2G; suffixes K M G T P E)");
        }
        Result r;
        try {
            r = parse(s, 0);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(what + ": " + e.getMessage(), e);
        }
        if (r.end() != s.length()) {
            throw new InvalidInputException(what + ": invalid size '" + s + "': memparse stops at '"
                + s.substring(r.end()) + "' (expected a number with an optional K, M, G, T, P or E suffix)");
        }
        return r.value();
    }
}
