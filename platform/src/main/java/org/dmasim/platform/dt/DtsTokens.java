package org.dmasim.platform.dt;

import java.util.ArrayList;
import java.util.List;

/** Small tokens shared by the node and value grammars: labels, '&' references, names. */
final class DtsTokens {
    /** A label definition {@code lbl:} and where it was written. */
    record LabelDef(String name, SourcePosition at) {
    }

    /** What follows '&': a label, {@code {/path}} or {@code {label/path}}, and where. */
    record Ref(String target, SourcePosition at) {
        String spelled() {
            return target.contains("/") ? "&{" + target + "}" : "&" + target;
        }
    }

    private DtsTokens() {
    }

    /**
     * Reads any number of {@code label:} definitions. A label is {@code [A-Za-z_][A-Za-z0-9_]*}
     * written directly before its ':' (dtc's rule), so {@code linux,cma} is not mistaken for one.
     */
    static List<LabelDef> readLabels(DtsCursor in) {
        List<LabelDef> out = new ArrayList<>();
        while (true) {
            in.skipBlanks();
            if (!Names.isLabelStart(in.peek())) {
                return out;
            }
            int mark = in.mark();
            SourcePosition at = in.position();
            StringBuilder name = new StringBuilder();
            while (Names.isLabelChar(in.peek())) {
                name.append((char) in.next());
            }
            if (in.peek() != ':') {
                in.reset(mark);
                return out;
            }
            in.next();
            out.add(new LabelDef(name.toString(), at));
        }
    }

    /** Reads {@code &label} or {@code &{/path}}; the cursor is on the '&'. */
    static Ref readReference(DtsCursor in) {
        SourcePosition at = in.position();
        in.next();
        if (in.peek() == '{') {
            in.next();
            StringBuilder target = new StringBuilder();
            while (Names.isPathChar(in.peek())) {
                target.append((char) in.next());
            }
            if (in.peek() != '}') {
                throw in.errorHere("expected '}' to end the reference '&{" + target + "', found "
                    + in.describeNext());
            }
            in.next();
            if (target.length() == 0) {
                throw at.error("empty reference '&{}'");
            }
            return new Ref(target.toString(), at);
        }
        if (!Names.isLabelStart(in.peek())) {
            throw in.errorHere("expected a label or {/path} after '&', found " + in.describeNext());
        }
        StringBuilder label = new StringBuilder();
        while (Names.isLabelChar(in.peek())) {
            label.append((char) in.next());
        }
        return new Ref(label.toString(), at);
    }

    /** Reads a node or property name token (possibly empty). */
    static String readName(DtsCursor in) {
        StringBuilder name = new StringBuilder();
        while (Names.isPropertyChar(in.peek())) {
            name.append((char) in.next());
        }
        return name.toString();
    }

    /**
     * If the input is at a {@code /keyword/} directive, returns it (e.g. {@code "/delete-node/"})
     * without consuming it; otherwise null. The root node's '/' is followed by a blank or '{'.
     */
    static String peekDirective(DtsCursor in) {
        if (in.peek() != '/' || !(in.peek(1) >= 'a' && in.peek(1) <= 'z')) {
            return null;
        }
        StringBuilder word = new StringBuilder("/");
        int i = 1;
        while (true) {
            int c = in.peek(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
                word.append((char) c);
                i++;
            } else if (c == '/') {
                return word.append('/').toString();
            } else {
                return word.toString(); // not closed: reported as an unknown directive
            }
        }
    }

    /** A position {@code chars} columns to the right, for pointing at a char inside a name. */
    static SourcePosition shifted(SourcePosition at, int chars) {
        return new SourcePosition(at.source(), at.line(), at.column() + chars);
    }
}
