package org.dmasim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.dmasim.launcher.DmasimProcess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar's command line: the arguments reach the CLI through the bnd launcher, bad
 * input gives exit status 2 and one {@code dmasim:} line on stderr, never a stack trace.
 */
class DmasimJarIT {
    @TempDir
    Path dir;

    private Result run(String... args) throws Exception {
        return new DmasimProcess(dir).run(args);
    }

    private void assertBadInput(String expectedMessage, String... args) throws Exception {
        Result r = run(args);
        assertEquals("dmasim: " + expectedMessage + System.lineSeparator(), r.err(), "stderr of " + List.of(args));
        assertEquals(2, r.status(), "exit status of " + List.of(args));
        assertEquals("", r.out(), "stdout of " + List.of(args));
    }

    @Test
    void help_printsUsage_exit0() throws Exception {
        Result r = run("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("Usage: dmasim boot"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void badInput_oneLine_exit2() throws Exception {
        assertBadInput("no command (expected boot, run, shell or upgrade; see dmasim --help)");
        assertBadInput("unknown command 'start' (expected boot, run, shell or upgrade)", "start");
        assertBadInput("unknown option '--foo' (see dmasim --help)", "boot", "--foo");
        assertBadInput("--arch 'sparc': unknown architecture (expected x86_64 or arm64)", "boot", "--arch", "sparc");
        assertBadInput("--show: unknown view 'slabinfo' (expected one of: buddyinfo, zoneinfo, pagetypeinfo, meminfo)",
            "boot", "--show", "slabinfo");
        assertBadInput("run: missing SCRIPT (usage: dmasim run [OPTIONS] [PROFILE] SCRIPT)", "run");
    }

    /** Arguments with spaces and quotes arrive as one argument each. */
    @Test
    void argumentsPassThroughUnsplit() throws Exception {
        assertBadInput("--cpus 'two cpus': expected a whole number >= 1", "boot", "--cmdline", "a b \"c\"",
            "--cpus", "two cpus");
    }
}
