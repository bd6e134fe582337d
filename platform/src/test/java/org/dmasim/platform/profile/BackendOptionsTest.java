package org.dmasim.platform.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.dmasim.api.backend.Backends;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.PlatformSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backend choices reach PlatformSpec.options() from profiles, single keys and KEY=VALUE lists. */
class BackendOptionsTest {
    @TempDir
    Path dir;

    @Test
    void profileKeyIsOverriddenByConfiguration() throws Exception {
        Path profile = dir.resolve("board.profile");
        Files.writeString(profile, "inherit = qemu-virt-arm64\nbackend.dmapool = 6.4\n");
        PlatformSpec fromProfile = SpecBuilder.build(Map.of("profile", profile.toString()));
        java.util.Map<String, String> choices = new java.util.HashMap<>(fromProfile.options());
        assertEquals(ProfileLoader.load(ProfileLoader.BASE).value(Backends.PROFILE_KEY).map(Backends::parse),
            java.util.Optional.ofNullable(choices.remove(Backends.OPTION)).map(Backends::parse),
            "the base profile's backends list comes along");
        assertEquals(Map.of("dmapool", "6.4"), choices);
        PlatformSpec overridden = SpecBuilder.build(Map.of("profile", profile.toString(), "backend",
            new String[] {"dmapool=6.1"}));
        assertEquals("6.1", overridden.options().get("dmapool"));
        PlatformSpec single = SpecBuilder.build(Map.of("profile", "qemu-virt-arm64", "backend.dmapool", "6.4"));
        assertEquals("6.4", single.options().get("dmapool"));
    }

    @Test
    void backendsIsNotASubsystem() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of("profile", "qemu-virt-arm64", "backend", new String[] {"backends=cma"})));
        assertTrue(e.getMessage().contains("'backends' is not a subsystem"), e.getMessage());
    }

    @Test
    void aProfileListsTheBackendsItNeedsOverridingTheBase() throws Exception {
        Path profile = dir.resolve("lean.profile");
        Files.writeString(profile, "inherit = qemu-virt-arm64\nbackends = mm.buddy cma, swiotlb,atomicpool dma.core\n");
        PlatformSpec spec = SpecBuilder.build(Map.of("profile", profile.toString()));
        assertEquals(java.util.List.of("mm.buddy", "cma", "swiotlb", "atomicpool", "dma.core"),
            Backends.required(spec).orElseThrow());
    }

    @Test
    void aProfileWithoutInheritGetsTheBaseList() throws Exception {
        Path profile = dir.resolve("own.profile");
        Files.writeString(profile, "arch = arm64\nmem = 1G@0x40000000\n");
        PlatformSpec spec = SpecBuilder.build(Map.of("profile", profile.toString()));
        assertEquals(Backends.parse(ProfileLoader.load(ProfileLoader.BASE).value(Backends.PROFILE_KEY).orElseThrow()),
            Backends.required(spec).orElseThrow());
    }

    @Test
    void malformedBackendEntryIsAnError() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of("profile", "qemu-virt-arm64", "backend", new String[] {"dmapool"})));
        assertTrue(e.getMessage().contains("expected SUBSYSTEM=CHOICE"), e.getMessage());
    }
}
