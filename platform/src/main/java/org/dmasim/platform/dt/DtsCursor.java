package org.dmasim.platform.dt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import org.dmasim.api.dt.DeviceTreeException;

/**
 * Character-level reader over a DTS source and the files it includes. The parser asks for
 * exactly the kind of token it expects next (dtc's lexer is context-sensitive too: {@code 0x1}
 * is a number inside {@code <>} but could be a node name elsewhere).
 *
 * <p>{@link #skipBlanks()} is where whitespace, comments and {@code /include/} are consumed,
 * so an include may appear wherever whitespace may, as with dtc. A token never spans the end of
 * an included file: {@link #peek()} returns {@link #EOF} there, and only skipBlanks() moves
 * back to the including file.
 */
final class DtsCursor {
    static final int EOF = -1;

    /** dtc gives up past 100 nested includes; a cycle is caught before that anyway. */
    private static final int MAX_INCLUDE_DEPTH = 32;

    private static final Set<String> PREPROCESSOR_DIRECTIVES = Set.of("include", "define", "undef",
        "if", "ifdef", "ifndef", "elif", "else", "endif", "error", "warning", "pragma", "line");

    private final IncludeResolver resolver;
    private Frame frame;
    /** Characters of every source read so far, each inclusion counted: bounds include bombs. */
    private long totalChars;

    private static final class Frame {
        final DtsSource source;
        final String text;
        final LineIndex lines;
        final Frame includedFrom;
        final int depth;
        int pos;

        Frame(DtsSource source, Frame includedFrom) {
            this.source = source;
            this.text = source.text();
            this.lines = new LineIndex(source);
            this.includedFrom = includedFrom;
            this.depth = includedFrom == null ? 0 : includedFrom.depth + 1;
            // A leading byte-order mark is an editor artefact, not a token.
            this.pos = text.startsWith("\uFEFF") ? 1 : 0;
        }
    }

    DtsCursor(DtsSource top, IncludeResolver resolver) {
        this.resolver = resolver;
        this.totalChars = top.text().length();
        if (totalChars > InputFiles.MAX_BYTES) {
            throw new DeviceTreeException(InputFiles.tooLarge(top.name()).getMessage());
        }
        this.frame = new Frame(top, null);
    }

    int peek() {
        return peek(0);
    }

    int peek(int ahead) {
        int i = frame.pos + ahead;
        return i < frame.text.length() ? frame.text.charAt(i) : EOF;
    }

    int next() {
        int c = peek();
        if (c != EOF) {
            frame.pos++;
        }
        return c;
    }

    void skip(int count) {
        frame.pos = Math.min(frame.pos + count, frame.text.length());
    }

    boolean lookingAt(String s) {
        return frame.text.startsWith(s, frame.pos);
    }

    /** Consumes {@code s} if the input continues with it. */
    boolean accept(String s) {
        if (lookingAt(s)) {
            frame.pos += s.length();
            return true;
        }
        return false;
    }

    int mark() {
        return frame.pos;
    }

    /** Goes back to a mark taken in the current file with no skipBlanks() in between. */
    void reset(int mark) {
        frame.pos = mark;
    }

    SourcePosition position() {
        return frame.lines.at(frame.pos);
    }

    /** True at the end of the top-level file (after skipBlanks() has left every include). */
    boolean atEnd() {
        return peek() == EOF && frame.includedFrom == null;
    }

    /** Skips whitespace, comments and /include/ directives (entering the included file). */
    void skipBlanks() {
        while (true) {
            int c = peek();
            if (c == EOF) {
                if (frame.includedFrom == null) {
                    return;
                }
                frame = frame.includedFrom;
            } else if (Character.isWhitespace(c)) {
                frame.pos++;
            } else if (lookingAt("//") || lookingAt("/*")) {
                skipComment();
            } else if (lookingAt("/include/")) {
                include();
            } else if (c == '#' && atLineStart()) {
                rejectPreprocessorLine();
                return;
            } else {
                return;
            }
        }
    }

    /** Like skipBlanks() but stays in the current file and does not expand includes. */
    private void skipSpaceAndComments() {
        while (true) {
            int c = peek();
            if (c != EOF && Character.isWhitespace(c)) {
                frame.pos++;
            } else if (lookingAt("//") || lookingAt("/*")) {
                skipComment();
            } else {
                return;
            }
        }
    }

    private void skipComment() {
        if (lookingAt("//")) {
            int nl = frame.text.indexOf('\n', frame.pos);
            frame.pos = nl < 0 ? frame.text.length() : nl + 1;
            return;
        }
        int close = frame.text.indexOf("*/", frame.pos + 2);
        if (close < 0) {
            throw position().error("unterminated comment: '/*' has no closing '*/'");
        }
        frame.pos = close + 2;
    }

    private void include() {
        SourcePosition at = position();
        skip("/include/".length());
        skipSpaceAndComments();
        if (peek() != '"') {
            throw position().error("expected a quoted file name after /include/, found " + describeNext());
        }
        String path = new String(Literals.readString(this), StandardCharsets.UTF_8);
        Optional<DtsSource> included;
        try {
            included = resolver.resolve(frame.source.name(), path);
        } catch (IOException e) {
            throw at.error("cannot read /include/ file '" + path + "': " + e.getMessage());
        }
        if (included.isEmpty()) {
            throw at.error("cannot find /include/ file '" + path + "'");
        }
        for (Frame f = frame; f != null; f = f.includedFrom) {
            if (f.source.name().equals(included.get().name())) {
                throw at.error("recursive /include/ of '" + included.get().name() + "'");
            }
        }
        if (frame.depth + 1 > MAX_INCLUDE_DEPTH) {
            throw at.error("/include/ nested deeper than " + MAX_INCLUDE_DEPTH + " files");
        }
        totalChars += included.get().text().length();
        if (totalChars > InputFiles.MAX_BYTES) {
            throw at.error("/include/ of '" + path + "': the source and the files it includes (each inclusion counted)"
                + " exceed " + (InputFiles.MAX_BYTES >> 20) + " MiB, the most dmasim reads for one device tree");
        }
        frame = new Frame(included.get(), frame);
    }

    private boolean atLineStart() {
        for (int i = frame.pos - 1; i >= 0; i--) {
            char c = frame.text.charAt(i);
            if (c == '\n') {
                return true;
            }
            if (c != ' ' && c != '\t' && c != '\r' && c != '\uFEFF') {
                return false;
            }
        }
        return true;
    }

    /**
     * A '#' opening a line is either a property name ({@code #address-cells}) or a C
     * preprocessor line that only works when the file is run through cpp first, as the kernel
     * build does. We read DTS without cpp, so say that plainly instead of a syntax error.
     */
    private void rejectPreprocessorLine() {
        int i = frame.pos + 1;
        String text = frame.text;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        int wordStart = i;
        while (i < text.length() && Character.isLetter(text.charAt(i))) {
            i++;
        }
        String word = text.substring(wordStart, i);
        boolean endsWord = i >= text.length() || !Names.isPropertyChar(text.charAt(i));
        boolean lineMarker = word.isEmpty() && i < text.length() && Character.isDigit(text.charAt(i));
        if (lineMarker) {
            throw position().error("C preprocessor line marker '#' is not supported: DTS files are read"
                + " without cpp, so pass the original source, not cpp output");
        }
        if (!PREPROCESSOR_DIRECTIVES.contains(word) || !endsWord) {
            return;
        }
        if (word.equals("include")) {
            throw position().error("C preprocessor directive '#include' is not supported (DTS files are"
                + " read without cpp); use /include/ \"file\" instead");
        }
        throw position().error("C preprocessor directive '#" + word + "' is not supported (DTS files are"
            + " read without cpp): write values out literally and use /include/ \"file\" for includes");
    }

    /** What the next token looks like, for "expected X, found Y" messages. */
    String describeNext() {
        int c = peek();
        if (c == EOF) {
            return "end of file";
        }
        int end = frame.pos;
        while (end < frame.text.length() && end - frame.pos < 24 && Names.isPropertyChar(frame.text.charAt(end))) {
            end++;
        }
        if (end > frame.pos) {
            return "'" + frame.text.substring(frame.pos, end) + "'";
        }
        if (c == '"') {
            return "a string";
        }
        return Character.isISOControl(c) ? String.format("character U+%04X", c) : "'" + (char) c + "'";
    }

    DeviceTreeException errorHere(String message) {
        return position().error(message);
    }
}
