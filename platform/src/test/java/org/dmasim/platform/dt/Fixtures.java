package org.dmasim.platform.dt;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import org.dmasim.api.dt.DeviceTree;

/** Test fixtures under src/test/resources/dt, read from the class path (never from /work/shared). */
final class Fixtures {
    /** The arm64 oracle cases; their board.dts was decompiled from the blob QEMU booted. */
    static final List<String> ORACLE_CASES = List.of(
        "a64-1G-default", "a64-4G-cma0", "a64-4G-cma256M", "a64-4G-default", "a64-4G-smmuv3",
        "a64-4G-swiotlb-force", "a64-4G-swiotlb131072", "a64-8G-default", "a64-dtb-2bank-2G+2G",
        "a64-dtb-2bank-2G+2G-rmcma256M", "a64-dtb-4G-dmaranges31");

    /** Hand-written fixtures, compiled by dtc to the .dtb next to them. */
    static final List<String> HAND_WRITTEN = List.of("features", "merge");

    private Fixtures() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/dt/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource dt/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /** Resolves /include/ among the class-path fixtures (they all sit in one directory). */
    static IncludeResolver resolver() {
        return (from, path) -> {
            if (Fixtures.class.getResource("/dt/" + path) == null) {
                return Optional.empty();
            }
            return Optional.of(new DtsSource(path, text(path)));
        };
    }

    static DeviceTree dts(String caseName) {
        return DtsParser.parse(text(caseName + ".dts"), caseName + ".dts", resolver());
    }

    static DeviceTree dtb(String caseName) {
        return DtbParser.parse(bytes(caseName + ".dtb"), caseName + ".dtb");
    }
}
