package org.dmasim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dmasim.launcher.DmasimProcess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dmasim boot} and {@code dmasim run} end to end: the packaged jar boots real platforms
 * (the platform bundle and its backends) and prints what the kernel would.
 */
class DmasimBootIT {
    @TempDir
    Path dir;

    private Result run(String... args) throws Exception {
        return new DmasimProcess(dir).run(args);
    }

    @Test
    void boot_arm64_printsBootLogAndViews() throws Exception {
        Result r = run("boot", "--profile", "qemu-virt-arm64", "--show", "buddyinfo");
        assertEquals("", r.err());
        assertEquals(0, r.status());
        assertTrue(r.out().contains("Zone ranges:\n"), r.out());
        assertTrue(r.out().contains("\n  DMA32    empty\n"), r.out());
        assertTrue(r.out().contains("Node 0, zone "), "buddyinfo missing:\n" + r.out());
    }

    @Test
    void boot_badKernelParameter_oneLine_exit2() throws Exception {
        Result r = run("boot", "--cmdline", "cma=12Q");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().startsWith("dmasim: ") && r.err().lines().count() == 1, r.err());
        assertTrue(r.err().contains("cma"), r.err());
    }

    @Test
    void boot_show_headsEachViewAfterTheBootLog() throws Exception {
        Result r = run("boot", "--show", "buddyinfo,meminfo");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\n\n==> /proc/buddyinfo <==\nNode 0, zone "), r.out());
        assertTrue(r.out().contains("\n\n==> /proc/meminfo <==\nMemTotal:"), r.out());
    }

    @Test
    void run_singleView_noHeading() throws Exception {
        Path script = Files.writeString(dir.resolve("empty.gosh"), "\n");
        Result r = run("run", "--show", "meminfo", script.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("MemTotal:"), r.out());
    }

    @Test
    void boot_unknownBackendSubsystemOrChoice_namesTheValidOnes() throws Exception {
        Result r = run("boot", "--backend", "dmapol=6.4");
        assertEquals(2, r.status(), r.err());
        assertEquals("dmasim: backend dmapol=6.4: unknown subsystem 'dmapol' (subsystems with a backend choice:"
            + " dmapool)\n", r.err());
        r = run("boot", "--backend", "dmapool=6.5");
        assertEquals(2, r.status(), r.err());
        assertEquals("dmasim: backend dmapool=6.5: unknown choice '6.5' (dmapool choices: 6.1, 6.4)\n", r.err());
    }

    @Test
    void run_scriptSucceeds_exit0() throws Exception {
        Path script = Files.writeString(dir.resolve("ok.gosh"), "platforms\nbootlog $platform\n");
        Result r = run("run", "--arch", "x86_64", "--profile", "pc-x86_64", script.toString());
        assertEquals("", r.err());
        assertEquals(0, r.status());
        assertTrue(r.out().contains("pc-x86_64  x86_64  6.1     BOOTED"), r.out());
        assertTrue(r.out().contains("  Device   empty"), r.out());
    }

    @Test
    void run_scriptFails_exit1_namesLine() throws Exception {
        Path script = Files.writeString(dir.resolve("bad.gosh"), "platforms\nno-such-command\n");
        Result r = run("run", script.toString());
        assertEquals(1, r.status());
        assertEquals("dmasim: bad.gosh:2: no-such-command: command not found (help lists the commands)\n", r.err());
    }
}
