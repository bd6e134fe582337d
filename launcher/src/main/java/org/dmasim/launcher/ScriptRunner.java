package org.dmasim.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.apache.felix.gogo.runtime.EOFError;
import org.apache.felix.gogo.runtime.Parser;
import org.apache.felix.gogo.runtime.SyntaxError;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;

/**
 * Runs a Gogo script as if its lines were typed into {@code dmasim shell}: each complete
 * statement (one line, or several when a {@code {...}}, {@code (...)} or quote spans lines) is
 * executed in one session, and a non-null result is printed the way the console prints it.
 * The first failure stops the script.
 */
final class ScriptRunner {
    private final CommandSession session;
    private final PrintStream out;

    ScriptRunner(CommandSession session, PrintStream out) {
        this.session = session;
        this.out = out;
    }

    /**
     * @throws ScriptFailure naming the file, the line where the failing statement starts and
     *     the reason
     */
    void run(Path script) throws ScriptFailure {
        List<String> lines;
        try {
            lines = Files.readAllLines(script, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScriptFailure(script + ": cannot read: " + e.getMessage());
        }
        StringBuilder statement = new StringBuilder();
        int startLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (statement.length() == 0) {
                startLine = i + 1;
            }
            statement.append(lines.get(i)).append('\n');
            if (complete(script, statement, startLine)) {
                execute(script, statement.toString(), startLine);
                statement.setLength(0);
            }
        }
        if (statement.toString().isBlank()) {
            return;
        }
        throw new ScriptFailure(script.getFileName() + ":" + startLine + ": statement not closed at end of script");
    }

    private static boolean complete(Path script, CharSequence text, int startLine) throws ScriptFailure {
        try {
            new Parser(text).program();
            return true;
        } catch (EOFError e) {
            return false;
        } catch (SyntaxError e) {
            throw new ScriptFailure(script.getFileName() + ":" + (startLine + e.line()) + ": " + e.getMessage());
        }
    }

    private void execute(Path script, String text, int line) throws ScriptFailure {
        if (text.isBlank()) {
            return;
        }
        try {
            Object result = session.execute(text);
            if (result != null && !allNull(result)) {
                out.println(session.format(result, Converter.INSPECT));
            }
        } catch (Exception e) {
            String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new ScriptFailure(script.getFileName() + ":" + line + ": " + reason);
        }
    }

    /** What {@code each} returns for a block of commands that print and return nothing. */
    private static boolean allNull(Object result) {
        return result instanceof Collection<?> c && !c.isEmpty() && c.stream().allMatch(Objects::isNull);
    }

    /** A script that did not succeed; the message is shown as is. */
    static final class ScriptFailure extends Exception {
        private static final long serialVersionUID = 1L;

        ScriptFailure(String message) {
            super(message);
        }
    }
}
