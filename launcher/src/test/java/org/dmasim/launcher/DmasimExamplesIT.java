package org.dmasim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dmasim.launcher.DmasimProcess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's example runs, as users copy them: every fenced block that starts with
 * {@code $ ./dmasim run ... examples/SCRIPT} is run with the packaged jar, and the rest of the
 * block must be exactly what it prints (nothing on stderr, status 0). So the documented output of
 * the shipped examples cannot drift from what dmasim does.
 */
class DmasimExamplesIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern BLOCK = Pattern.compile("```\\n\\$ \\./dmasim (run [^\\n]*examples/[^\\n]*)\\n(.*?)```",
        Pattern.DOTALL);

    @TempDir
    Path dir;

    /** A documented run: the arguments after {@code ./dmasim} and the output shown. */
    private record Run(List<String> args, String output) {
    }

    private static List<Run> documentedRuns() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        List<Run> runs = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            List<String> args = new ArrayList<>();
            for (String a : m.group(1).split(" ")) {
                args.add(a.startsWith("examples/") ? ROOT.resolve(a).toString() : a);
            }
            runs.add(new Run(args, m.group(2)));
        }
        return runs;
    }

    @Test
    void everyDocumentedExampleRunPrintsWhatTheReadmeShows() throws Exception {
        List<Run> runs = documentedRuns();
        assertTrue(runs.stream().anyMatch(r -> r.args().toString().contains("split-board.gosh")), runs.toString());
        assertTrue(runs.stream().anyMatch(r -> r.args().toString().contains("user-dma.gosh")), runs.toString());
        assertTrue(runs.stream().anyMatch(r -> r.args().toString().contains("nic-stale-rx.gosh")), runs.toString());
        assertTrue(runs.stream().filter(r -> r.args().toString().contains("stale-sync.gosh")).count() == 2,
            "stale-sync.gosh on arm64 and on x86");
        assertTrue(runs.stream().filter(r -> r.args().toString().contains("smmu-lazy.gosh")).count() == 2,
            "smmu-lazy.gosh lazy (iommu.strict=0) and strict");
        for (Run run : runs) {
            Result r = new DmasimProcess(dir).run(run.args().toArray(new String[0]));
            assertEquals("", r.err(), String.join(" ", run.args()));
            assertEquals(0, r.status(), String.join(" ", run.args()));
            assertEquals(run.output(), r.out(), "README block of ./dmasim " + String.join(" ", run.args()));
        }
    }
}
