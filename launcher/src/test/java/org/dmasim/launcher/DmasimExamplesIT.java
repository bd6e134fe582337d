package org.dmasim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dmasim.launcher.DmasimProcess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example scripts the README documents produce the output the README shows: each guarded
 * example's README block starts with its command line ({@code $ ./dmasim run ...}) and holds the
 * exact output.
 */
class DmasimExamplesIT {
    @TempDir
    Path dir;

    /** The fenced README block whose first line is {@code command}, without that line. */
    static String readmeBlock(String command) throws Exception {
        List<String> lines = Files.readAllLines(Path.of("../README.md"), StandardCharsets.UTF_8);
        int start = lines.indexOf(command);
        if (start < 1 || !lines.get(start - 1).equals("```")) {
            throw new AssertionError("README.md has no block starting with: " + command);
        }
        StringBuilder out = new StringBuilder();
        for (int i = start + 1; !lines.get(i).equals("```"); i++) {
            out.append(lines.get(i)).append('\n');
        }
        return out.toString();
    }

    @Test
    void userDmaExampleMatchesTheReadme() throws Exception {
        runMatchesTheReadme("qemu-virt-arm64-testdevs", "examples/user-dma.gosh");
    }

    @Test
    void nicStaleRxExampleMatchesTheReadme() throws Exception {
        runMatchesTheReadme("qemu-virt-arm64-testdevs", "examples/nic-stale-rx.gosh");
    }

    /** {@code ./dmasim run --profile PROFILE SCRIPT} prints exactly the README's block for it, nothing on stderr. */
    private void runMatchesTheReadme(String profile, String script) throws Exception {
        String command = "$ ./dmasim run --profile " + profile + " " + script;
        Result r = new DmasimProcess(dir).run("run", "--profile", profile, "../" + script);
        assertEquals("", r.err());
        assertEquals(0, r.status());
        assertEquals(readmeBlock(command), r.out());
    }
}
