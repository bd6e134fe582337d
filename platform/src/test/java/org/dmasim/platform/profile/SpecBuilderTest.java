package org.dmasim.platform.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.platform.PlatformSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecBuilderTest {
    @TempDir
    Path tmp;

    @Test
    void defaultProfileIsQemuVirtArm64() {
        PlatformSpec s = SpecBuilder.build(Map.of());
        assertEquals("qemu-virt-arm64", s.name());
        assertEquals(Arch.ARM64, s.arch());
        assertTrue(s.deviceTree().isPresent());
        assertEquals(1, s.possibleCpus());
    }

    @Test
    void theKernelComesFromTheConfigurationElseTheProfileElseTheDefault() throws Exception {
        assertEquals("6.1", SpecBuilder.build(Map.of()).kernel().toString());
        PlatformSpec s = SpecBuilder.build(Map.of(PlatformConfig.KERNEL, "6.12"));
        assertEquals("6.12", s.kernel().toString());
        assertEquals("20", s.kconfig().values().get("CMA_AREAS"), "6.12's Kconfig defaults");
        assertEquals("y", s.kconfig().values().get("DMA_BOUNCE_UNALIGNED_KMALLOC"));

        Path profile = Files.writeString(tmp.resolve("new.profile"), "inherit = qemu-virt-arm64\nkernel = 6.12\n"
            + "kconfig.CMA_SIZE_MBYTES = 32\n");
        PlatformSpec p = SpecBuilder.build(Map.of(PlatformConfig.PROFILE, profile.toString()));
        assertEquals("6.12", p.kernel().toString());
        assertEquals("32", p.kconfig().values().get("CMA_SIZE_MBYTES"), "kconfig keys apply to the profile's kernel");
        assertEquals("6.1", SpecBuilder.build(Map.of(PlatformConfig.PROFILE, profile.toString(), PlatformConfig.KERNEL,
            "6.1")).kernel().toString(), "the configuration wins");
    }

    @Test
    void anUnmodelledKernelOrAnOptionItLacksIsRefusedByName() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.KERNEL, "6.6")));
        assertEquals("kernel 6.6: not a kernel dmasim models (modelled: 6.1, 6.12)", e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> SpecBuilder.build(Map.of(PlatformConfig.KERNEL, "six")));
        assertEquals("kernel 'six': expected a version MAJOR.MINOR such as 6.1 or 6.12", e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> SpecBuilder.build(Map.of(PlatformConfig.KERNEL, "6.12",
            PlatformConfig.KCONFIG, new String[] {"DMA_PERNUMA_CMA=y"})));
        assertTrue(e.getMessage().startsWith("kconfig DMA_PERNUMA_CMA: unknown option of Linux 6.12 (known: "),
            e.getMessage());
        assertTrue(e.getMessage().contains("DMA_NUMA_CMA"), e.getMessage());
    }

    @Test
    void archAloneSelectsThatArchitecturesDefaultProfile() {
        PlatformSpec s = SpecBuilder.build(Map.of(PlatformConfig.ARCH, "x86_64"));
        assertEquals("pc-x86_64", s.name());
        assertEquals(8, s.e820().size());
    }

    @Test
    void everyShippedProfileResolves() {
        for (String name : ProfileLoader.shippedNames()) {
            if (name.equals("arm64-board")) {
                // a profile for real board trees: the tree comes from --dtb
                InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> SpecBuilder.build(Map.of(PlatformConfig.PROFILE, name)));
                assertTrue(e.getMessage().contains("--dtb FILE"), e.getMessage());
                continue;
            }
            PlatformSpec s = SpecBuilder.build(Map.of(PlatformConfig.PROFILE, name));
            assertEquals(name, s.name());
        }
        assertEquals(4, SpecBuilder.build(Map.of(PlatformConfig.PROFILE, "arm64-split-4g")).possibleCpus());
    }

    @Test
    void cmdlineAndKconfigOverrideTheProfile() {
        PlatformSpec s = SpecBuilder.build(Map.of(PlatformConfig.CMDLINE, "cma=128M",
            PlatformConfig.KCONFIG, new String[] {"CMA_SIZE_MBYTES=32"}));
        assertEquals("cma=128M", s.cmdline().raw());
        assertEquals(32, s.kconfig().number("CMA_SIZE_MBYTES"));
    }

    @Test
    void profileFilesInheritAndResolvePathsRelativeToThemselves() throws Exception {
        Files.writeString(tmp.resolve("base.profile"), "arch = x86_64\ne820 = map.e820\ncpus = 2\n");
        Files.writeString(tmp.resolve("map.e820"), "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
            + "BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff] usable\n");
        Files.writeString(tmp.resolve("child.profile"), "inherit = base.profile\nname = child\ncpus = 8\n"
            + "kconfig.CMA_SIZE_MBYTES = 16\n");
        PlatformSpec s = SpecBuilder.build(Map.of(PlatformConfig.PROFILE, tmp.resolve("child.profile").toString()));
        assertEquals("child", s.name());
        assertEquals(8, s.possibleCpus());
        assertEquals(2, s.e820().size());
        assertEquals(16, s.kconfig().number("CMA_SIZE_MBYTES"));
    }

    @Test
    void unknownProfileKeyNamesFileLineAndKey() throws Exception {
        Path p = tmp.resolve("bad.profile");
        Files.writeString(p, "arch = arm64\n\nramsize = 4G\n");
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.PROFILE, p.toString())));
        assertTrue(e.getMessage().startsWith(p + ":3: unknown profile key 'ramsize'"), e.getMessage());
    }

    @Test
    void inheritanceCycleIsAnError() throws Exception {
        Files.writeString(tmp.resolve("a.profile"), "inherit = b.profile\n");
        Files.writeString(tmp.resolve("b.profile"), "inherit = a.profile\n");
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.PROFILE, tmp.resolve("a.profile").toString())));
        assertTrue(e.getMessage().contains("inheritance cycle"), e.getMessage());
    }

    @Test
    void unknownProfileNameListsTheShippedOnes() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.PROFILE, "no-such-board")));
        assertTrue(e.getMessage().contains("qemu-virt-arm64"), e.getMessage());
    }

    @Test
    void overlappingMemBanksAreRejected() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.MEM, "2G@0x40000000,1G@0x80000000")));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
    }

    @Test
    void malformedE820LineNamesFileAndLine() throws Exception {
        Path p = tmp.resolve("bad.e820");
        Files.writeString(p, "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\nhello\n");
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.ARCH, "x86_64", PlatformConfig.E820, p.toString())));
        assertTrue(e.getMessage().startsWith(p + ":2: not an e820 line"), e.getMessage());
    }

    @Test
    void unknownKconfigOptionIsAnError() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.KCONFIG, "CMA_SIZE_MEGABYTES=4")));
        assertTrue(e.getMessage().contains("unknown option"), e.getMessage());
    }

    @Test
    void missingDeviceTreeFileIsNamed() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.DTB, tmp.resolve("none.dtb").toString())));
        assertTrue(e.getMessage().contains("none.dtb: no such file"), e.getMessage());
    }

    @Test
    void dtsSyntaxErrorReportsLineAndColumn() throws Exception {
        Path p = tmp.resolve("broken.dts");
        Files.writeString(p, "/dts-v1/;\n/ {\n\tmemory@0 { reg = <0 0 0 0x1000> }\n};\n");
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.DTB, p.toString())));
        assertTrue(e.getMessage().startsWith(p + ":3:"), e.getMessage());
    }
}
