package org.dmasim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.dmasim.launcher.DmasimProcess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dmasim shell} with input piped in, {@code --version} and {@code COMMAND --help}, through
 * the packaged jar as a user runs them.
 */
class DmasimShellIT {
    @TempDir
    Path dir;

    private Result shell(String input, String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("shell"));
        all.addAll(List.of(args));
        return new DmasimProcess(dir).runWithInput(input, all.toArray(new String[0]));
    }

    @Test
    void bannerNamesVersionPlatformKernel_andThreeCommands() throws Exception {
        Result r = shell("", "qemu-virt-arm64-testdevs");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("dmasim \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?: the Linux 6\\.1 DMA memory subsystem,"
            + " simulated"), lines.get(0));
        assertEquals("platform qemu-virt-arm64-testdevs: arm64, Linux 6.1, 1 CPU, BOOTED", lines.get(1));
        assertEquals("start with:  help    dma:devices    dma:dma_alloc_coherent dma-test-nc 4K GFP_KERNEL",
            lines.get(2));
        assertEquals("(exit, quit or Ctrl-D leaves the shell)", lines.get(3));
        assertEquals(4, lines.size(), r.out());
    }

    @Test
    void pipedStatements_labelledResults_errorsGoOn_exitStops() throws Exception {
        Result r = shell(String.join("\n",
            "dma:dma_set_mask dma-test-nc 30",
            "dma_alloc_coherant dma-test-nc 4K GFP_KERNEL",
            "dma:dma_alloc_coherent dma-test-nc",
            "b = dma:dma_alloc_coherent dma-test-nc 20K GFP_KERNEL",
            "dma:dma_free_coherent $b",
            "exit 3",
            "dma:dma_get_cache_alignment"), "--profile", "qemu-virt-arm64-testdevs");
        assertEquals(3, r.status(), r.err());
        List<String> out = r.out().lines().skip(4).toList();
        assertEquals("dma_set_mask(dma-test-nc, 30) = -5", out.get(0));
        assertTrue(out.get(1).startsWith("dma_alloc_coherent(dma-test-nc, 20K, GFP_KERNEL) = cpu 0xffff"), out.get(1));
        assertTrue(out.get(2).startsWith("dma_free_coherent(dma-test-nc, 0x5000, 0xffff"), out.get(2));
        assertEquals(3, out.size(), "nothing runs after exit:\n" + r.out());
        assertEquals(String.join("\n",
            "dmasim: <stdin>:2: dma_alloc_coherant: command not found (did you mean dma:dma_alloc_coherent?)",
            "dmasim: <stdin>:3: usage: dma:dma_alloc_coherent DEVICE SIZE GFP [ATTRS] [-p PLATFORM]", ""), r.err());
    }

    @Test
    void quit_leaves_statusOfTheRun() throws Exception {
        Result ok = shell("quit\ndma:no_such\n");
        assertEquals(0, ok.status(), ok.err());
        assertEquals("", ok.err());
        Result failed = shell("dma:no_such\n");
        assertEquals(1, failed.status());
        assertEquals("dmasim: <stdin>:1: dma:no_such: command not found (help lists the commands)\n", failed.err());
    }

    @Test
    void help_listsDmasimCommandsFirst() throws Exception {
        Result r = shell("help\n");
        assertEquals(0, r.status(), r.err());
        String help = r.out();
        assertTrue(help.contains("\ndmasim commands (help NAME shows a command's parameters and options;"), help);
        assertTrue(help.indexOf("  dma:dma_alloc_coherent ") < help.indexOf("Gogo shell commands:"), help);
        assertFalse(help.matches("(?s).*\\b(java|org)\\.[a-z]+\\..*"), help);
        // Every positional parameter has a name a user can read (a bundle built without -parameters shows ARG1).
        assertFalse(help.matches("(?s).*\\bARG\\d\\b.*"), help);
    }

    /**
     * {@code dmasim --help} names every dmasim command the shell has, under its scope: a command
     * added to a bundle without a line in the launcher's help fails here.
     */
    @Test
    void dashDashHelp_namesEveryCommandTheShellHas() throws Exception {
        Result r = shell("help\n");
        assertEquals(0, r.status(), r.err());
        String overview = r.out().substring(0, r.out().indexOf("Gogo shell commands:"));
        java.util.Set<String> shell = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^  ([a-z_]+:[a-z_0-9]+)").matcher(overview);
        while (m.find()) {
            shell.add(m.group(1));
        }
        assertTrue(shell.size() > 100 && shell.contains("dma:dma_map_sgtable") && shell.contains("userdma:xfer"),
            shell.toString());

        String usage = new DmasimProcess(dir).run("--help").out();
        java.util.Set<String> listed = new java.util.TreeSet<>();
        String scope = null;
        for (String line : usage.substring(usage.indexOf("Shell and script commands")).lines().skip(1).toList()) {
            if (line.isBlank()) {
                break;
            }
            java.util.regex.Matcher head = java.util.regex.Pattern.compile("^  ([a-z_]+):(.*)").matcher(line);
            String names = line;
            if (head.matches()) {
                scope = head.group(1);
                names = head.group(2);
            }
            names = names.replaceAll("\\(.*?\\)|^\\s+[a-z ]+:", " "); // remarks and sub-headings
            for (String n : names.split("[,\\s]+")) {
                if (!n.isEmpty()) {
                    listed.add(scope + ":" + n);
                }
            }
        }
        java.util.Set<String> missing = new java.util.TreeSet<>(shell);
        missing.removeAll(listed);
        assertTrue(missing.isEmpty(), "dmasim --help does not name " + missing);
        java.util.Set<String> stale = new java.util.TreeSet<>(listed);
        stale.removeAll(shell);
        assertTrue(stale.isEmpty(), "dmasim --help names commands the shell does not have: " + stale);
    }

    @Test
    void bannerAndPlatformViewNameTheKernelChosenWithDashDashKernel() throws Exception {
        Result r = shell("platforms\n", "--kernel", "6.12", "qemu-virt-arm64-testdevs");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).endsWith(": the Linux 6.12 DMA memory subsystem, simulated"), lines.get(0));
        assertEquals("platform qemu-virt-arm64-testdevs: arm64, Linux 6.12, 1 CPU, BOOTED", lines.get(1));
        assertTrue(r.out().contains("qemu-virt-arm64-testdevs  arm64  6.12    BOOTED"), r.out());
    }

    @Test
    void version_namesDmasimKernelAndJava() throws Exception {
        Result r = new DmasimProcess(dir).run("--version");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("dmasim \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), lines.get(0));
        assertEquals("kernels modelled: Linux 6.1 (Debian 12, 6.1.192; the default), Linux 6.12 (Debian 12 backports,"
            + " 6.12.95), the DMA memory subsystem", lines.get(1));
        assertTrue(lines.get(2).startsWith("Java " + System.getProperty("java.version") + " ("), lines.get(2));
    }

    @Test
    void commandHelp_isThatCommandsUsage() throws Exception {
        Result r = new DmasimProcess(dir).run("boot", "--help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Usage: dmasim boot  [OPTIONS] [PROFILE]"), r.out());
        assertTrue(r.out().contains("--cmdline \"...\"         kernel command line; REPLACES the profile's"), r.out());
        assertFalse(r.out().contains("dmasim shell"), r.out());
        Result s = new DmasimProcess(dir).run("shell", "--help");
        assertTrue(s.out().startsWith("Usage: dmasim shell"), s.out());
        assertTrue(s.out().contains("dmapool:"), s.out());
    }
}
