package org.dmasim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dmasim shell} on a terminal: script(1) gives it a pseudo-terminal, so Gogo's JLine
 * console opens (prompt, completion) instead of the line-by-line reader of piped input.
 */
class DmasimConsoleIT {
    private static final Path SCRIPT = Path.of("/usr/bin/script");
    private static final Path JAR = Path.of(System.getProperty("dmasim.jar", "target/dmasim.jar"));

    @TempDir
    Path home;

    /** Everything the console wrote, as it arrives. */
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();

    @Test
    void terminal_opensTheJLineConsole_completes_andExits() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SCRIPT), "script(1) (util-linux) makes the pseudo-terminal");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // a new pseudo-terminal has no size; JLine needs one to lay out the prompt
        ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString(), "-qefc", "stty cols 160 rows 40; exec " + java
            + " -Duser.home=" + home + " -jar " + JAR + " shell --profile qemu-virt-arm64-testdevs", "/dev/null");
        pb.environment().put("TERM", "xterm");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        Thread reader = new Thread(() -> copy(p.getInputStream()));
        reader.start();
        try (OutputStream keys = p.getOutputStream()) {
            awaitScreen("(exit, quit or Ctrl-D leaves the shell)");
            awaitScreen("qemu-virt-arm64-testdevs> ");
            type(keys, "dma:dma_set_ma\t dma-test-n\t 30\r");
            awaitScreen("dma_set_mask(dma-test-nc, 30) = -5");
            type(keys, "dma_alloc_coherant\r");
            awaitScreen("dma_alloc_coherant: command not found (did you mean dma:dma_alloc_coherent?)");
            type(keys, "exit 4\r");
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the console did not exit:\n" + screen());
        } finally {
            p.destroyForcibly();
            reader.join(5000);
        }
        assertEquals(4, p.exitValue(), screen());
        assertTrue(screen().contains("platform qemu-virt-arm64-testdevs: arm64, Linux 6.1, 1 CPU, BOOTED"), screen());
        assertTrue(Files.exists(home.resolve(".dmasim_history")), "history saved in ~/.dmasim_history");
    }

    private static void type(OutputStream keys, String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    private void awaitScreen(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!screen().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("'" + text + "' did not appear on the terminal:\n" + screen());
            }
            Thread.sleep(20);
        }
    }

    /** The screen so far, without the terminal's colour and cursor escape sequences. */
    private String screen() {
        synchronized (screen) {
            return screen.toString(StandardCharsets.UTF_8).replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "")
                .replace("\r", "");
        }
    }

    private void copy(InputStream in) {
        byte[] buffer = new byte[4096];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                synchronized (screen) {
                    screen.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }
}
