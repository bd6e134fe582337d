package org.dmasim.itests;

import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.dmasim.shell.format.ShellErrors;

/** Running shell lines as a script does, and reading what a user would see of a result or a failure. */
final class GogoSessions {
    private GogoSessions() {
    }

    /** A session with no input whose output goes nowhere (results are read from {@link #run}). */
    static CommandSession open(CommandProcessor processor) {
        PrintStream ps = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return processor.createSession(new ByteArrayInputStream(new byte[0]), ps, ps);
    }

    /** The line's result as the console prints it ("" for none). */
    static String run(CommandSession s, String line) throws Exception {
        Object result = s.execute(line);
        return result == null ? "" : s.format(result, Converter.INSPECT).toString();
    }

    /** What the console prints for a line that must fail (the test fails when it does not). */
    static String failure(CommandSession s, String line) {
        try {
            fail(line + " should fail, printed: " + run(s, line));
            return null;
        } catch (Exception e) {
            return ShellErrors.message(e, s);
        }
    }
}
