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
 * Every real Debian 12 boot in test resources ({@code oracle/linux-6.1}, copied from the
 * project's oracle): the same inputs must give the same selected lines, character for
 * character, in order.
 */
class OracleBootTest {
    static Path casesDir() throws URISyntaxException {
        return Path.of(OracleBootTest.class.getClassLoader().getResource("oracle/linux-6.1").toURI());
    }

    static Stream<String> cases() throws IOException, URISyntaxException {
        try (Stream<Path> s = Files.list(casesDir())) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    static Map<String, Object> config(Path dir) throws IOException {
        Map<String, Object> c = new HashMap<>();
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
    void bootPrintsWhatLinux61Printed(String name) throws Exception {
        Path dir = casesDir().resolve(name);
        BootResult r = Platforms.boot(config(dir));
        assertTrue(r.ok(), () -> name + " failed: " + r.failure().orElse(""));
        List<String> expected = Files.readAllLines(dir.resolve("expected"), StandardCharsets.UTF_8);
        List<String> actual = OracleSelection.select(r.log().kernelText());
        assertEquals(String.join("\n", expected), String.join("\n", actual), name);
    }
}
