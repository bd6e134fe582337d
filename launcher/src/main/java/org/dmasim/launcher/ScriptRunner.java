package org.dmasim.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.felix.gogo.runtime.EOFError;
import org.apache.felix.gogo.runtime.Parser;
import org.apache.felix.gogo.runtime.SyntaxError;

/**
 * Runs Gogo statements as if they were typed into {@code dmasim shell}: each complete statement
 * (one line, or several when a {@code {...}}, {@code (...)} or quote spans lines) is executed in
 * one session, and a result is printed the way the console prints it. A script
 * ({@link #run(Path)}) stops at the first failure; piped input ({@link #runPiped}) reports each
 * failure and goes on. {@code exit [STATUS]} stops either.
 */
final class ScriptRunner {
    private static final String STDIN = "<stdin>";

    private final ShellSession session;
    private final PrintStream out;

    ScriptRunner(ShellSession session, PrintStream out) {
        this.session = session;
        this.out = out;
    }

    /**
     * Runs a script file.
     *
     * @return the status an {@code exit} asked for, else 0
     * @throws ScriptFailure naming the file, the line where the failing statement starts and
     *     the reason
     */
    int run(Path script) throws ScriptFailure {
        List<String> lines;
        try {
            lines = Files.readAllLines(script, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScriptFailure(script + ": cannot read: " + e.getMessage());
        }
        String name = script.getFileName().toString();
        for (Statement s : statements(name, lines)) {
            try {
                execute(s);
            } catch (Exception e) {
                throw new ScriptFailure(name + ":" + s.line() + ": " + session.error(e));
            }
            if (session.exitRequested().isPresent()) {
                return session.exitRequested().get();
            }
        }
        return 0;
    }

    /**
     * Runs statements read from {@code in} (a pipe, or a terminal when stdout is not one) as
     * they complete, printing each failure to {@code err} as {@code dmasim: <stdin>:LINE: reason}
     * and going on.
     *
     * @return the status an {@code exit} asked for; else 1 when a statement failed, 0 when none did
     */
    int runPiped(BufferedReader in, PrintStream err) throws IOException {
        int status = 0;
        StringBuilder statement = new StringBuilder();
        int startLine = 0;
        int lineNumber = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNumber++;
            if (statement.length() == 0) {
                startLine = lineNumber;
            }
            statement.append(line).append('\n');
            try {
                if (!complete(STDIN, statement, startLine)) {
                    continue;
                }
                if (!statement.toString().isBlank()) {
                    execute(new Statement(statement.toString(), startLine));
                }
            } catch (ScriptFailure e) {
                status = failed(err, e.getMessage());
            } catch (Exception e) {
                status = failed(err, STDIN + ":" + startLine + ": " + session.error(e));
            }
            statement.setLength(0);
            if (session.exitRequested().isPresent()) {
                return session.exitRequested().get();
            }
        }
        if (!statement.toString().isBlank()) {
            status = failed(err, STDIN + ":" + startLine + ": statement not closed at end of input");
        }
        return status;
    }

    private int failed(PrintStream err, String message) {
        out.flush();
        err.println("dmasim: " + message);
        return 1;
    }

    /** One statement and the line it starts on. */
    record Statement(String text, int line) {
    }

    /** The lines cut into complete statements; blank ones dropped. */
    static List<Statement> statements(String name, List<String> lines) throws ScriptFailure {
        List<Statement> out = new ArrayList<>();
        StringBuilder statement = new StringBuilder();
        int startLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (statement.length() == 0) {
                startLine = i + 1;
            }
            statement.append(lines.get(i)).append('\n');
            if (complete(name, statement, startLine)) {
                if (!statement.toString().isBlank()) {
                    out.add(new Statement(statement.toString(), startLine));
                }
                statement.setLength(0);
            }
        }
        if (!statement.toString().isBlank()) {
            throw new ScriptFailure(name + ":" + startLine + ": statement not closed at end of script");
        }
        return out;
    }

    private static boolean complete(String name, CharSequence text, int startLine) throws ScriptFailure {
        try {
            new Parser(text).program();
            return true;
        } catch (EOFError e) {
            return false;
        } catch (SyntaxError e) {
            throw new ScriptFailure(name + ":" + (startLine + e.line()) + ": syntax error: " + e.getMessage());
        }
    }

    private void execute(Statement s) throws Exception {
        String printed = session.format(session.execute(s.text()));
        if (printed != null) {
            out.println(printed);
        }
    }

    /** A script that did not succeed; the message is shown as is. */
    static final class ScriptFailure extends Exception {
        private static final long serialVersionUID = 1L;

        ScriptFailure(String message) {
            super(message);
        }
    }
}
