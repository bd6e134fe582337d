package org.dmasim.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged {@code target/dmasim.jar} as users do: {@code java -jar dmasim.jar ARGS}. */
final class DmasimProcess {
    private static final Path JAR = Path.of(System.getProperty("dmasim.jar", "target/dmasim.jar"));

    /** Exit status, stdout and stderr of one run. */
    record Result(int status, String out, String err) {
    }

    private final Path dir;

    /** @param dir a scratch folder for the captured output */
    DmasimProcess(Path dir) {
        this.dir = dir;
    }

    Result run(String... args) throws IOException, InterruptedException {
        return runWithInput(null, args);
    }

    /** Runs with {@code stdin} piped in (null: no input, as from /dev/null). */
    Result runWithInput(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        File out = dir.resolve("out").toFile();
        File err = dir.resolve("err").toFile();
        File in = new File("/dev/null");
        if (stdin != null) {
            in = Files.writeString(dir.resolve("in"), stdin, StandardCharsets.UTF_8).toFile();
        }
        Process p = new ProcessBuilder(command).redirectOutput(out).redirectError(err)
            .redirectInput(ProcessBuilder.Redirect.from(in)).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("dmasim " + String.join(" ", args) + " did not exit within 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
            Files.readString(err.toPath(), StandardCharsets.UTF_8));
    }
}
