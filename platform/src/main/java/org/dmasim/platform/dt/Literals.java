package org.dmasim.platform.dt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Reads C-style literals: integers with U/L suffixes, 'c' chars and "strings" with escapes. */
final class Literals {
    private Literals() {
    }

    static boolean startsInteger(int c) {
        return c >= '0' && c <= '9';
    }

    /**
     * Reads a decimal, 0x-hex or 0-octal literal with an optional U, L, UL, LL or ULL suffix
     * (either case) as an unsigned 64-bit value, as dtc does with strtoull.
     */
    static long readInteger(DtsCursor in) {
        int start = in.mark();
        SourcePosition at = in.position();
        StringBuilder word = new StringBuilder();
        while (Names.isAsciiAlnum(in.peek()) || in.peek() == '_') {
            word.append((char) in.next());
        }
        String literal = word.toString();
        String digits = stripSuffix(literal);
        int radix = 10;
        if (digits.startsWith("0x") || digits.startsWith("0X")) {
            radix = 16;
            digits = digits.substring(2);
        } else if (digits.length() > 1 && digits.startsWith("0")) {
            radix = 8;
            digits = digits.substring(1);
        }
        if (digits.isEmpty() || !allDigits(digits, radix)) {
            in.reset(start);
            throw at.error("bad integer literal '" + literal + "'"
                + (radix == 8 ? " (a leading 0 makes it octal)" : ""));
        }
        try {
            return Long.parseUnsignedLong(digits, radix);
        } catch (NumberFormatException e) {
            throw at.error("integer literal '" + literal + "' does not fit in 64 bits");
        }
    }

    private static String stripSuffix(String literal) {
        String upper = literal.toUpperCase();
        for (String suffix : new String[] {"ULL", "LLU", "UL", "LU", "LL", "U", "L"}) {
            // "0x...L" must not lose a hex digit: suffix letters are never hex digits, so fine.
            if (upper.endsWith(suffix) && upper.length() > suffix.length()) {
                return literal.substring(0, literal.length() - suffix.length());
            }
        }
        return literal;
    }

    private static boolean allDigits(String s, int radix) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), radix) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Reads {@code 'c'} (one char or one escape) as its byte value. */
    static long readChar(DtsCursor in) {
        SourcePosition at = in.position();
        in.next(); // opening quote
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        while (true) {
            int c = in.peek();
            if (c == DtsCursor.EOF || c == '\n') {
                throw at.error("unterminated character literal");
            }
            if (c == '\'') {
                in.next();
                break;
            }
            readOneChar(in, value);
        }
        if (value.size() == 0) {
            throw at.error("empty character literal");
        }
        if (value.size() != 1) {
            throw at.error("character literal has " + value.size() + " bytes instead of 1");
        }
        return value.toByteArray()[0] & 0xffL;
    }

    /**
     * Reads a {@code "string"} (cursor on the opening quote) and returns its bytes without a
     * terminating NUL. Strings may not span lines: a forgotten quote is then reported where it
     * happened instead of pages later.
     */
    static byte[] readString(DtsCursor in) {
        SourcePosition at = in.position();
        in.next(); // opening quote
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int c = in.peek();
            if (c == DtsCursor.EOF || c == '\n') {
                throw at.error("unterminated string");
            }
            if (c == '"') {
                in.next();
                return out.toByteArray();
            }
            readOneChar(in, out);
        }
    }

    /** One source char (UTF-8 encoded) or one backslash escape (a raw byte). */
    private static void readOneChar(DtsCursor in, ByteArrayOutputStream out) {
        SourcePosition at = in.position();
        int c = in.next();
        if (c != '\\') {
            if (Character.isHighSurrogate((char) c) && Character.isLowSurrogate((char) in.peek())) {
                String pair = new String(new char[] {(char) c, (char) in.next()});
                out.writeBytes(pair.getBytes(StandardCharsets.UTF_8));
            } else if (c < 0x80) {
                out.write(c);
            } else {
                out.writeBytes(String.valueOf((char) c).getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        int e = in.next();
        switch (e) {
            case 'a' -> out.write(7);
            case 'b' -> out.write('\b');
            case 't' -> out.write('\t');
            case 'n' -> out.write('\n');
            case 'v' -> out.write(11);
            case 'f' -> out.write('\f');
            case 'r' -> out.write('\r');
            case 'x' -> out.write(readEscapeDigits(in, at, 16, 2));
            case DtsCursor.EOF, '\n' -> throw at.error("unterminated escape sequence");
            default -> {
                if (e >= '0' && e <= '7') {
                    in.reset(in.mark() - 1);
                    out.write(readEscapeDigits(in, at, 8, 3));
                } else {
                    // dtc keeps the char itself for unknown escapes: \" \' \\ and the rest.
                    out.writeBytes(String.valueOf((char) e).getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    private static int readEscapeDigits(DtsCursor in, SourcePosition at, int radix, int maxDigits) {
        int value = 0;
        int n = 0;
        while (n < maxDigits && Character.digit(in.peek(), radix) >= 0 && in.peek() < 0x80) {
            value = value * radix + Character.digit(in.next(), radix);
            n++;
        }
        if (n == 0) {
            throw at.error("\\x used with no following hex digits");
        }
        if (value > 0xff) {
            throw at.error("octal escape \\" + Integer.toOctalString(value) + " is larger than a byte");
        }
        return value;
    }
}
