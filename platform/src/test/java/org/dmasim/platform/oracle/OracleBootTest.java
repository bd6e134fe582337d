package org.dmasim.platform.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every real boot in test resources, copied from the project's oracle: Debian 12's Linux 6.1
 * ({@code oracle/linux-6.1}, booted with the default kernel) and Debian's 6.12 for bookworm on the
 * same inputs ({@code oracle/linux-6.12}, booted with {@code kernel = 6.12}). The same inputs
 * must give the same selected lines, character for character, in order.
 */
class OracleBootTest {
    /** The folder of every kernel's cases. */
    static Path casesDir() throws URISyntaxException {
        return Path.of(OracleBootTest.class.getClassLoader().getResource("oracle").toURI());
    }

    /** {@code linux-VERSION/CASE} for every case of every kernel. */
    static Stream<String> cases() throws IOException, URISyntaxException {
        List<String> out = new java.util.ArrayList<>();
        try (Stream<Path> kernels = Files.list(casesDir())) {
            for (Path k : kernels.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> s = Files.list(k)) {
                    s.filter(Files::isDirectory).map(p -> k.getFileName() + "/" + p.getFileName()).sorted()
                        .forEach(out::add);
                }
            }
        }
        return out.stream();
    }

    /** The kernel a case folder was booted with: {@code linux-6.12/...} is 6.12. */
    static String kernelOf(Path dir) {
        return dir.getParent().getFileName().toString().substring("linux-".length());
    }

    /**
     * The case's inputs as a platform configuration; the 6.1 cases leave the kernel to the
     * default, which therefore must be 6.1.
     */
    static Map<String, Object> config(Path dir) throws IOException {
        Map<String, Object> c = new HashMap<>();
        String kernel = kernelOf(dir);
        if (!kernel.equals("6.1")) {
            c.put(PlatformConfig.KERNEL, kernel);
        }
        String arch = Files.readString(dir.resolve("arch")).strip();
        c.put(PlatformConfig.ARCH, arch);
        c.put(PlatformConfig.CMDLINE, Files.readString(dir.resolve("cmdline")).strip());
        if (arch.equals("arm64")) {
            c.put(PlatformConfig.DTB, dir.resolve("board.dts").toString());
        } else {
            c.put(PlatformConfig.E820, dir.resolve("e820").toString());
        }
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bootPrintsWhatTheRealKernelPrinted(String name) throws Exception {
        Path dir = casesDir().resolve(name);
        BootResult r = Platforms.boot(config(dir));
        assertTrue(r.ok(), () -> name + " failed: " + r.failure().orElse(""));
        List<String> expected = Files.readAllLines(dir.resolve("expected"), StandardCharsets.UTF_8);
        List<String> actual = OracleSelection.select(r.log().kernelText());
        assertEquals(String.join("\n", expected), String.join("\n", actual), name);
    }
}
