package org.dmasim.platform.dt;

/** The character sets dtc allows in node names, property names and labels. */
final class Names {
    private Names() {
    }

    /** Chars a name token may contain before we know whether it names a node or a property. */
    static boolean isPropertyChar(int c) {
        return isAsciiAlnum(c) || c == ',' || c == '.' || c == '_' || c == '+' || c == '*' || c == '#'
            || c == '?' || c == '-' || c == '@';
    }

    static boolean isNodeChar(int c) {
        return isAsciiAlnum(c) || c == ',' || c == '.' || c == '_' || c == '+' || c == '-';
    }

    static boolean isLabelStart(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    }

    static boolean isLabelChar(int c) {
        return isLabelStart(c) || (c >= '0' && c <= '9');
    }

    /** Chars allowed inside {@code &{/path}}. */
    static boolean isPathChar(int c) {
        return isPropertyChar(c) || c == '/';
    }

    static boolean isAsciiAlnum(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /**
     * Index of the first char that makes {@code name} an invalid node name, or -1. A node name
     * is {@code base[@unit]}: node chars with at most one '@'.
     */
    static int badNodeNameChar(String name) {
        boolean seenAt = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '@' && !seenAt) {
                seenAt = true;
            } else if (!isNodeChar(c)) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the first char not allowed in a property name, or -1. */
    static int badPropertyNameChar(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '@') {
                return i;
            }
        }
        return -1;
    }
}
