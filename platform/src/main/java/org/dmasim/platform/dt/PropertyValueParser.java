package org.dmasim.platform.dt;

import java.util.List;

/**
 * Parses what follows {@code name =}: comma-separated strings, cell lists ({@code <...>},
 * {@code /bits/ N <...>}), byte strings ({@code [...]}) and {@code &label} paths. Labels
 * before, inside and after values are kept only to check that they are unique, as dtc does;
 * nothing can refer to them.
 */
final class PropertyValueParser {
    private final DtsCursor in;
    private final ExpressionParser expressions;
    /** Just past the last value read: where a missing ';' is reported. */
    private SourcePosition end;

    PropertyValueParser(DtsCursor in) {
        this.in = in;
        this.expressions = new ExpressionParser(in);
    }

    SourcePosition end() {
        return end;
    }

    PropertyValue parse() {
        PropertyValue.Builder value = new PropertyValue.Builder();
        while (true) {
            value.labels(DtsTokens.readLabels(in));
            in.skipBlanks();
            SourcePosition at = in.position();
            int c = in.peek();
            if (c == '"') {
                value.bytes(Literals.readString(in));
                value.bytes(new byte[] {0});
            } else if (c == '<') {
                in.next();
                cells(value, 32, at);
            } else if (in.lookingAt("/bits/")) {
                in.skip("/bits/".length());
                bitsCells(value);
            } else if (c == '[') {
                in.next();
                byteString(value, at);
            } else if (c == '&') {
                DtsTokens.Ref ref = DtsTokens.readReference(in);
                value.pathReference(ref.target(), ref.at());
            } else if (in.lookingAt("/incbin/")) {
                throw at.error("/incbin/ is not supported: write the bytes out as [..] or <..>");
            } else {
                throw at.error("expected a property value (\"string\", <cells>, /bits/ N <cells>, [bytes]"
                    + " or &label), found " + in.describeNext());
            }
            end = in.position();
            List<DtsTokens.LabelDef> after = DtsTokens.readLabels(in);
            if (!after.isEmpty()) {
                value.labels(after);
                end = in.position();
            }
            in.skipBlanks();
            if (!in.accept(",")) {
                return value.build();
            }
        }
    }

    private void bitsCells(PropertyValue.Builder value) {
        in.skipBlanks();
        SourcePosition at = in.position();
        if (!Literals.startsInteger(in.peek())) {
            throw at.error("expected 8, 16, 32 or 64 after /bits/, found " + in.describeNext());
        }
        long bits = Literals.readInteger(in);
        if (bits != 8 && bits != 16 && bits != 32 && bits != 64) {
            throw at.error("/bits/ " + bits + ": array elements must be 8, 16, 32 or 64 bits");
        }
        in.skipBlanks();
        SourcePosition open = in.position();
        if (!in.accept("<")) {
            throw open.error("expected '<' after /bits/ " + bits + ", found " + in.describeNext());
        }
        cells(value, (int) bits, open);
    }

    private void cells(PropertyValue.Builder value, int bits, SourcePosition open) {
        while (true) {
            value.labels(DtsTokens.readLabels(in));
            in.skipBlanks();
            SourcePosition at = in.position();
            int c = in.peek();
            if (c == '>') {
                in.next();
                return;
            }
            if (c == '&') {
                if (bits != 32) {
                    throw at.error("a phandle reference needs 32-bit cells, not /bits/ " + bits);
                }
                DtsTokens.Ref ref = DtsTokens.readReference(in);
                value.phandleReference(ref.target(), ref.at());
            } else if (ExpressionParser.startsPrimary(c)) {
                long v = expressions.primary();
                checkFits(v, bits, at);
                value.integer(v, bits);
            } else if (c == DtsCursor.EOF) {
                throw open.error("unterminated cell list: '<' has no closing '>'");
            } else if ("+-*/%|^~!".indexOf(c) >= 0) {
                throw at.error("expected a cell value or '>', found '" + (char) c
                    + "': write expressions in parentheses, e.g. <(1 + 2)>");
            } else {
                throw at.error("expected a cell value (number, 'c', (expression) or &label) or '>', found "
                    + in.describeNext());
            }
        }
    }

    /**
     * dtc only warns and truncates a value too wide for its cell; we refuse it, since a silently
     * truncated address in a memory profile is a bug. Sign-extended negatives such as (-1) fit.
     */
    private static void checkFits(long v, int bits, SourcePosition at) {
        if (bits == 64) {
            return;
        }
        long mask = (1L << bits) - 1;
        if (Long.compareUnsigned(v, mask) > 0 && (v | mask) != -1L) {
            throw at.error("value 0x" + Long.toHexString(v) + " does not fit in " + bits + " bits");
        }
    }

    private void byteString(PropertyValue.Builder value, SourcePosition open) {
        while (true) {
            value.labels(DtsTokens.readLabels(in));
            in.skipBlanks();
            SourcePosition at = in.position();
            int c = in.peek();
            if (c == ']') {
                in.next();
                return;
            }
            if (isHexDigit(c)) {
                StringBuilder digits = new StringBuilder();
                while (isHexDigit(in.peek())) {
                    digits.append((char) in.next());
                }
                if (digits.length() % 2 != 0) {
                    throw at.error("odd number of hex digits in byte string: '" + digits + "'");
                }
                for (int i = 0; i < digits.length(); i += 2) {
                    value.integer(Integer.parseInt(digits.substring(i, i + 2), 16), 8);
                }
            } else if (c == DtsCursor.EOF) {
                throw open.error("unterminated byte string: '[' has no closing ']'");
            } else {
                throw at.error("expected pairs of hex digits or ']' in byte string, found " + in.describeNext());
            }
        }
    }

    private static boolean isHexDigit(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
