package org.dmasim.platform.dt;

/**
 * Integer expressions as dtc evaluates them: unsigned 64-bit arithmetic with C's operators and
 * precedence ({@code ?: || && | ^ & == != < <= > >= << >> + - * / % - ~ !}). As in dtc, a bare
 * expression is only allowed inside parentheses; a cell list holds primaries.
 */
final class ExpressionParser {
    /** Deep enough for any real expression, shallow enough never to overflow the Java stack. */
    private static final int MAX_NESTING = 200;

    private final DtsCursor in;
    private int nesting;

    ExpressionParser(DtsCursor in) {
        this.in = in;
    }

    static boolean startsPrimary(int c) {
        return Literals.startsInteger(c) || c == '\'' || c == '(';
    }

    /** A literal, a {@code 'c'} char or a parenthesised expression. */
    long primary() {
        in.skipBlanks();
        int c = in.peek();
        if (Literals.startsInteger(c)) {
            return Literals.readInteger(in);
        }
        if (c == '\'') {
            return Literals.readChar(in);
        }
        if (c == '(') {
            SourcePosition open = in.position();
            in.next();
            enter(open);
            long v = conditional();
            in.skipBlanks();
            if (!in.accept(")")) {
                throw in.errorHere("expected ')' to close '(' at " + open.lineColumn() + ", found "
                    + in.describeNext());
            }
            nesting--;
            return v;
        }
        throw in.errorHere("expected a number, a 'c' character or '(' in expression, found " + in.describeNext());
    }

    private void enter(SourcePosition at) {
        if (++nesting > MAX_NESTING) {
            throw at.error("expression nested deeper than " + MAX_NESTING + " levels");
        }
    }

    private long conditional() {
        long cond = logicalOr();
        in.skipBlanks();
        if (!in.accept("?")) {
            return cond;
        }
        SourcePosition question = in.position();
        enter(question);
        long ifTrue = conditional();
        in.skipBlanks();
        if (!in.accept(":")) {
            throw in.errorHere("expected ':' of the '?' at " + question.lineColumn() + ", found " + in.describeNext());
        }
        long ifFalse = conditional();
        nesting--;
        return cond != 0 ? ifTrue : ifFalse;
    }

    private long logicalOr() {
        long v = logicalAnd();
        while (operator("||")) {
            long r = logicalAnd();
            v = (v != 0 || r != 0) ? 1 : 0;
        }
        return v;
    }

    private long logicalAnd() {
        long v = bitOr();
        while (operator("&&")) {
            long r = bitOr();
            v = (v != 0 && r != 0) ? 1 : 0;
        }
        return v;
    }

    private long bitOr() {
        long v = bitXor();
        while (operatorNotFollowedBy("|", '|')) {
            v |= bitXor();
        }
        return v;
    }

    private long bitXor() {
        long v = bitAnd();
        while (operator("^")) {
            v ^= bitAnd();
        }
        return v;
    }

    private long bitAnd() {
        long v = equality();
        while (operatorNotFollowedBy("&", '&')) {
            v &= equality();
        }
        return v;
    }

    private long equality() {
        long v = relational();
        while (true) {
            if (operator("==")) {
                v = v == relational() ? 1 : 0;
            } else if (operator("!=")) {
                v = v != relational() ? 1 : 0;
            } else {
                return v;
            }
        }
    }

    private long relational() {
        long v = shift();
        while (true) {
            if (operator("<=")) {
                v = Long.compareUnsigned(v, shift()) <= 0 ? 1 : 0;
            } else if (operator(">=")) {
                v = Long.compareUnsigned(v, shift()) >= 0 ? 1 : 0;
            } else if (operatorNotFollowedBy("<", '<')) {
                v = Long.compareUnsigned(v, shift()) < 0 ? 1 : 0;
            } else if (operatorNotFollowedBy(">", '>')) {
                v = Long.compareUnsigned(v, shift()) > 0 ? 1 : 0;
            } else {
                return v;
            }
        }
    }

    private long shift() {
        long v = additive();
        while (true) {
            // A shift by 64 or more gives 0 (dtc's rule; Java would shift by count mod 64).
            if (operator("<<")) {
                long n = additive();
                v = Long.compareUnsigned(n, 64) < 0 ? v << n : 0;
            } else if (operator(">>")) {
                long n = additive();
                v = Long.compareUnsigned(n, 64) < 0 ? v >>> n : 0;
            } else {
                return v;
            }
        }
    }

    private long additive() {
        long v = multiplicative();
        while (true) {
            if (operator("+")) {
                v += multiplicative();
            } else if (operator("-")) {
                v -= multiplicative();
            } else {
                return v;
            }
        }
    }

    private long multiplicative() {
        long v = unary();
        while (true) {
            if (operator("*")) {
                v *= unary();
            } else if (in.peek() == '/' || in.peek() == '%') {
                boolean divide = in.next() == '/';
                in.skipBlanks();
                SourcePosition at = in.position();
                long d = unary();
                if (d == 0) {
                    throw at.error("division by zero");
                }
                v = divide ? Long.divideUnsigned(v, d) : Long.remainderUnsigned(v, d);
            } else {
                return v;
            }
        }
    }

    private long unary() {
        in.skipBlanks();
        SourcePosition at = in.position();
        if (in.accept("-")) {
            enter(at);
            long v = -unary();
            nesting--;
            return v;
        }
        if (in.accept("~")) {
            enter(at);
            long v = ~unary();
            nesting--;
            return v;
        }
        if (in.accept("!")) {
            enter(at);
            long v = unary() == 0 ? 1 : 0;
            nesting--;
            return v;
        }
        long v = primary();
        in.skipBlanks();
        return v;
    }

    private boolean operator(String op) {
        in.skipBlanks();
        return in.accept(op);
    }

    /** Accepts a one-char operator that is not the first char of a longer one ('|' vs '||'). */
    private boolean operatorNotFollowedBy(String op, char notNext) {
        in.skipBlanks();
        if (in.lookingAt(op) && in.peek(1) != notNext && in.peek(1) != '=') {
            in.skip(1);
            return true;
        }
        return false;
    }
}
