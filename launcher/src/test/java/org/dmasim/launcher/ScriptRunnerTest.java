package org.dmasim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.felix.service.command.CommandSession;
import org.dmasim.launcher.ScriptRunner.ScriptFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptRunnerTest {
    @TempDir
    Path dir;

    /** What the fake session was asked to execute, one entry per statement. */
    private final List<String> executed = new ArrayList<>();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    /** A session that records statements; "fail" throws, "list" returns [null, null], others echo. */
    private final CommandSession session = (CommandSession) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {CommandSession.class}, (proxy, method, args) -> switch (method.getName()) {
            case "execute" -> {
                String text = args[0].toString();
                executed.add(text);
                if (text.startsWith("fail")) {
                    throw new IllegalStateException("no such thing: fail");
                }
                yield text.startsWith("list") ? Arrays.asList(null, null) : text.startsWith("quiet") ? null : "ok";
            }
            case "format" -> "formatted " + args[0];
            case "put", "get", "close" -> null;
            default -> throw new UnsupportedOperationException(method.getName());
        });

    private void run(String script) throws Exception {
        Path file = Files.writeString(dir.resolve("s.gosh"), script);
        new ScriptRunner(new ShellSession(session, "p"), new PrintStream(printed, true, StandardCharsets.UTF_8))
            .run(file);
    }

    @Test
    void eachLineIsAStatement_resultsPrinted_nullsNot() throws Exception {
        run("echo a\n\n# comment\nquiet\nlist\n");
        assertEquals(List.of("echo a\n", "# comment\n", "quiet\n", "list\n"), executed);
        assertEquals("formatted ok\nformatted ok\n", printed.toString(StandardCharsets.UTF_8).replace("\r", ""));
    }

    @Test
    void openBlockSpansLines() throws Exception {
        run("each [1 2] {\n  echo $it\n}\necho done\n");
        assertEquals(List.of("each [1 2] {\n  echo $it\n}\n", "echo done\n"), executed);
    }

    @Test
    void failure_namesFileLineAndReason_andStops() {
        ScriptFailure f = assertThrows(ScriptFailure.class, () -> run("echo a\nfail now\necho never\n"));
        assertEquals("s.gosh:2: no such thing: fail", f.getMessage());
        assertEquals(List.of("echo a\n", "fail now\n"), executed);
    }

    @Test
    void unclosedBlock_namesWhereItStarted() {
        ScriptFailure f = assertThrows(ScriptFailure.class, () -> run("echo a\neach [1] {\n echo $it\n"));
        assertEquals("s.gosh:2: statement not closed at end of script", f.getMessage());
    }

    @Test
    void missingFile() {
        ScriptFailure f = assertThrows(ScriptFailure.class,
            () -> new ScriptRunner(new ShellSession(session, "p"), System.out).run(dir.resolve("gone.gosh")));
        assertEquals(dir.resolve("gone.gosh") + ": cannot read: " + dir.resolve("gone.gosh"), f.getMessage());
    }
}
