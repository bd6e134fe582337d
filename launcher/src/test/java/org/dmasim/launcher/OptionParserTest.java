package org.dmasim.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.List;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.launcher.Options.Command;
import org.dmasim.shell.format.ProcView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionParserTest {
    @TempDir
    Path dir;

    private static String error(String... args) {
        return assertThrows(UsageException.class, () -> OptionParser.parse(args)).getMessage();
    }

    private Path file(String name) throws IOException {
        return Files.writeString(dir.resolve(name), "x\n");
    }

    // ---- commands -------------------------------------------------------------------------

    @Test
    void noArguments_asksForACommand() {
        assertEquals("no command (expected boot, run, shell or upgrade; see dmasim --help)", error());
    }

    @Test
    void unknownCommand_namesIt() {
        assertEquals("unknown command 'start' (expected boot, run, shell or upgrade)", error("start"));
    }

    @Test
    void help_anywhere() throws Exception {
        assertEquals(Command.HELP, OptionParser.parse("--help").command());
        assertEquals(Command.HELP, OptionParser.parse("help").command());
        assertEquals(Command.HELP, OptionParser.parse("boot", "--arch", "arm64", "-h").command());
    }

    @Test
    void boot_noOptions_namedAfterTheDefaultProfile() throws Exception {
        Options o = OptionParser.parse("boot");
        assertEquals(Command.BOOT, o.command());
        assertEquals("qemu-virt-arm64", o.platformName());
        Dictionary<String, Object> c = o.toConfiguration();
        assertEquals("qemu-virt-arm64", c.get(PlatformConfig.NAME));
        assertEquals("qemu-virt-arm64", c.get(PlatformConfig.PROFILE));
        assertEquals(2, c.size());
    }

    @Test
    void archWithoutProfile_namedAfterThatArchitecturesDefaultProfile() throws Exception {
        Options o = OptionParser.parse("boot", "--arch", "x86_64");
        assertEquals("pc-x86_64", o.platformName());
        assertEquals("pc-x86_64", o.toConfiguration().get(PlatformConfig.PROFILE));
    }

    @Test
    void commandHelp_andVersion() throws Exception {
        Options o = OptionParser.parse("boot", "--cpus", "2", "--help");
        assertEquals(Command.HELP, o.command());
        assertEquals(Command.BOOT, o.helpFor());
        assertEquals(Command.VERSION, OptionParser.parse("--version").command());
        String boot = OptionParser.usage(Command.BOOT);
        assertTrue(boot.startsWith("Usage: dmasim boot"), boot);
        assertTrue(boot.contains("REPLACES the profile's"), boot);
        assertFalse(boot.contains("dmasim run"), boot);
        assertTrue(OptionParser.usage(Command.SHELL).startsWith("Usage: dmasim shell"));
        assertTrue(OptionParser.usage(Command.RUN).startsWith("Usage: dmasim run"));
    }

    // ---- every option -----------------------------------------------------------------------

    @Test
    void allOptions_mapToConfigurationKeys() throws Exception {
        Path dtb = file("board.dts");
        Path e820 = file("e820.txt");
        Options o = OptionParser.parse("boot", "--profile", "qemu-virt-arm64", "--arch", "aarch64",
            "--dtb", dtb.toString(), "--e820=" + e820, "--mem", "2G@0x40000000,2G@0x880000000",
            "--cmdline", "cma=128M", "--cmdline", "swiotlb=force", "--kconfig", "CMA_SIZE_MBYTES=128",
            "--kconfig", "CONFIG_ZONE_DMA=n", "--cpus", "4", "--show", "zoneinfo,buddyinfo", "--show", "buddyinfo",
            "--backend", "dmapool=6.4", "--cache-evict", "rate=0.01,seed=42");
        Dictionary<String, Object> c = o.toConfiguration();
        assertEquals("seed=42,rate=0.01", c.get(PlatformConfig.CACHE_EVICT));
        assertArrayEquals(new String[] {"dmapool=6.4"}, (String[]) c.get(PlatformConfig.BACKEND));
        assertEquals("qemu-virt-arm64", c.get(PlatformConfig.NAME));
        assertEquals("qemu-virt-arm64", c.get(PlatformConfig.PROFILE));
        assertEquals("arm64", c.get(PlatformConfig.ARCH));
        assertEquals(dtb.toString(), c.get(PlatformConfig.DTB));
        assertEquals(e820.toString(), c.get(PlatformConfig.E820));
        assertEquals("2G@0x40000000,2G@0x880000000", c.get(PlatformConfig.MEM));
        assertEquals("cma=128M swiotlb=force", c.get(PlatformConfig.CMDLINE));
        assertArrayEquals(new String[] {"CMA_SIZE_MBYTES=128", "CONFIG_ZONE_DMA=n"},
            (String[]) c.get(PlatformConfig.KCONFIG));
        assertEquals(4, c.get(PlatformConfig.CPUS));
        assertEquals(List.of(ProcView.ZONEINFO, ProcView.BUDDYINFO), o.show());
    }

    @Test
    void positionalProfile_sameAsOption() throws Exception {
        assertEquals("pc-x86_64", OptionParser.parse("boot", "pc-x86_64").platformName());
        assertEquals("pc-x86_64", OptionParser.parse("shell", "pc-x86_64").platformName());
    }

    @Test
    void profileFile_absolutePath_nameWithoutExtension() throws Exception {
        Path profile = file("my-board.profile");
        Options o = OptionParser.parse("boot", "--profile", profile.toString());
        assertEquals("my-board", o.platformName());
        assertEquals(profile.toString(), o.toConfiguration().get(PlatformConfig.PROFILE));
    }

    @Test
    void profileFile_missing() {
        assertEquals("--profile 'no/such.profile': no such file", error("boot", "--profile", "no/such.profile"));
    }

    @Test
    void profile_empty() {
        assertEquals("--profile: empty value (expected a profile name or file)", error("boot", "--profile="));
    }

    @Test
    void profile_twice() {
        assertEquals("--profile given twice", error("boot", "--profile", "a", "--profile", "b"));
        assertEquals("profile given twice: 'b' and --profile", error("boot", "--profile", "a", "b"));
    }

    // ---- error paths, one per rule ------------------------------------------------------------

    @Test
    void unknownOption_namesIt() {
        assertEquals("unknown option '--foo' (see dmasim --help)", error("boot", "--foo", "bar"));
        assertEquals("unknown option '--foo' (see dmasim --help)", error("boot", "--foo"));
        assertEquals("unknown option '--foo' (see dmasim --help)", error("boot", "--foo=1"));
        assertEquals("unknown option '-x' (see dmasim --help)", error("boot", "-x"));
    }

    @Test
    void missingValue_atEnd_orBeforeNextOption() {
        for (String option : List.of("--profile", "--arch", "--dtb", "--e820", "--mem", "--cmdline", "--kconfig",
            "--cpus", "--show", "--backend", "--cache-evict")) {
            assertEquals(option + ": missing value", error("boot", option));
            assertEquals(option + ": missing value", error("boot", option, "--cpus", "2"));
        }
    }

    @Test
    void backend_needsSubsystemAndChoice() {
        assertEquals("--backend 'dmapool': expected SUBSYSTEM=CHOICE (e.g. dmapool=6.4)", error("boot", "--backend",
            "dmapool"));
    }

    @Test
    void cacheEvict_needsNoneOrSeedAndRate() {
        assertEquals("--cache-evict 'sometimes': expected none or seed=N,rate=R (N a whole number, R from 0 to 1, e.g."
            + " seed=1,rate=0.01)", error("boot", "--cache-evict", "sometimes"));
        assertEquals("--cache-evict 'seed=1,rate=1.5': rate '1.5' is not valid (expected none or seed=N,rate=R (N a"
            + " whole number, R from 0 to 1, e.g. seed=1,rate=0.01))", error("boot", "--cache-evict=seed=1,rate=1.5"));
        assertEquals("--cache-evict given twice", error("boot", "--cache-evict", "none", "--cache-evict", "none"));
    }

    @Test
    void arch_unknown() {
        assertEquals("--arch 'riscv64': unknown architecture (expected x86_64 or arm64)",
            error("boot", "--arch", "riscv64"));
    }

    @Test
    void arch_twice() {
        assertEquals("--arch given twice", error("boot", "--arch", "arm64", "--arch=x86_64"));
    }

    @Test
    void dtb_wrongExtension() throws IOException {
        Path f = file("board.txt");
        assertEquals("--dtb '" + f + "': expected a .dtb or .dts file", error("boot", "--dtb", f.toString()));
    }

    @Test
    void dtb_missingFile() {
        assertEquals("--dtb 'nope.dtb': no such file", error("boot", "--dtb", "nope.dtb"));
    }

    @Test
    void e820_missingFile_orDirectory() {
        assertEquals("--e820 'nope': no such file", error("boot", "--e820", "nope"));
        assertEquals("--e820 '" + dir + "': no such file", error("boot", "--e820", dir.toString()));
    }

    @Test
    void mem_withoutBase() {
        assertEquals("--mem '2G': expected SIZE@BASE (e.g. 2G@0x40000000)", error("boot", "--mem", "2G"));
        assertEquals("--mem '': expected SIZE@BASE (e.g. 2G@0x40000000)", error("boot", "--mem", "1G@0,"));
    }

    @Test
    void mem_badSize_namesMemparseRule() {
        assertEquals("--mem size: invalid size '2Q': memparse stops at 'Q' (expected a number with an optional"
            + " K, M, G, T, P or E suffix)", error("boot", "--mem", "2Q@0"));
        assertEquals("--mem base: 'x' is not a size (expected a number such as 64M, 0x4000000 or 2G; suffixes"
            + " K M G T P E)", error("boot", "--mem", "2G@x"));
    }

    @Test
    void mem_zeroSize() {
        assertEquals("--mem '0@0x40000000': size must not be 0", error("boot", "--mem", "0@0x40000000"));
    }

    @Test
    void kconfig_notKeyValue() {
        String rule = "expected KEY=VALUE with KEY made of letters, digits and '_' (e.g. CMA_SIZE_MBYTES=128)";
        assertEquals("--kconfig 'CMA': " + rule, error("boot", "--kconfig", "CMA"));
        assertEquals("--kconfig '=y': " + rule, error("boot", "--kconfig", "=y"));
        assertEquals("--kconfig 'A-B=y': " + rule, error("boot", "--kconfig", "A-B=y"));
    }

    @Test
    void cpus_notAPositiveNumber() {
        assertEquals("--cpus 'four': expected a whole number >= 1", error("boot", "--cpus", "four"));
        assertEquals("--cpus '0': expected a whole number >= 1", error("boot", "--cpus", "0"));
        assertEquals("--cpus '-1': expected a whole number >= 1", error("boot", "--cpus=-1"));
    }

    @Test
    void show_unknownView() {
        assertEquals("--show: unknown view 'slabinfo' (expected one of: buddyinfo, zoneinfo, pagetypeinfo, meminfo)",
            error("boot", "--show", "buddyinfo,slabinfo"));
        assertEquals("--show: unknown view '' (expected one of: buddyinfo, zoneinfo, pagetypeinfo, meminfo)",
            error("boot", "--show", "buddyinfo,"));
    }

    @Test
    void boot_extraArgument() {
        assertEquals("boot: unexpected argument 'b'", error("boot", "a", "b"));
        assertEquals("shell: unexpected argument 'b'", error("shell", "a", "b"));
    }

    // ---- run ------------------------------------------------------------------------------

    @Test
    void run_script_andOptionalProfile() throws Exception {
        Path script = file("test.gosh");
        Options o = OptionParser.parse("run", "--cmdline", "cma=64M", script.toString());
        assertEquals(Command.RUN, o.command());
        assertEquals(script, o.script());
        assertEquals("qemu-virt-arm64", o.platformName());
        o = OptionParser.parse("run", "pc-x86_64", script.toString());
        assertEquals("pc-x86_64", o.platformName());
        assertFalse(o.toConfiguration().isEmpty());
    }

    @Test
    void run_missingScript() {
        assertEquals("run: missing SCRIPT (usage: dmasim run [OPTIONS] [PROFILE] SCRIPT)", error("run", "--cpus", "2"));
    }

    @Test
    void run_scriptNotFound() {
        assertEquals("run: SCRIPT 'nope.gosh': no such file", error("run", "nope.gosh"));
    }

    @Test
    void run_tooManyArguments() throws IOException {
        Path script = file("s.gosh");
        assertEquals("run: unexpected argument 'b'", error("run", "a", "b", script.toString()));
    }

    @Test
    void boot_hasNoScript() throws Exception {
        assertNull(OptionParser.parse("boot").script());
    }

    @Test
    void kernel_isPassedOnAsTheConfigurationsKernel() throws Exception {
        Options o = OptionParser.parse("boot", "--kernel", "6.12");
        assertEquals("6.12", o.toConfiguration().get(org.dmasim.api.platform.PlatformConfig.KERNEL));
        assertNull(OptionParser.parse("boot").toConfiguration().get(org.dmasim.api.platform.PlatformConfig.KERNEL),
            "no --kernel: the profile's, else the default");
        assertEquals("6.12", OptionParser.parse("shell", "--kernel=Linux 6.12").toConfiguration()
            .get(org.dmasim.api.platform.PlatformConfig.KERNEL), "written as the kernel names itself");
        assertEquals("--kernel given twice", error("run", "--kernel", "6.1", "--kernel", "6.12", "x.gosh"));
        assertEquals("--kernel: kernel 5.10: not a kernel dmasim models (modelled: 6.1, 6.12)",
            error("boot", "--kernel", "5.10"));
    }

    @Test
    void upgrade_comparesTheDefaultKernelWithTheNewestUnlessTold() throws Exception {
        Options o = OptionParser.parse("upgrade", "qemu-virt-arm64-testdevs");
        assertEquals(Command.UPGRADE, o.command());
        assertEquals(java.util.List.of("6.1", "6.12"), o.upgradeKernels());
        assertEquals("qemu-virt-arm64-testdevs@6.12", o.platformName("6.12"));
        assertEquals("6.12", o.toConfiguration(o.platformName("6.12"), "6.12")
            .get(org.dmasim.api.platform.PlatformConfig.KERNEL));
        assertEquals(java.util.List.of("6.12", "6.1"), OptionParser.parse("upgrade", "--from", "6.12", "--to", "6.1")
            .upgradeKernels(), "a downgrade is a comparison too");
        assertTrue(OptionParser.parse("upgrade", "--fail-on-loss").failOnLoss);
    }

    @Test
    void upgrade_optionsBelongToUpgradeOnly() {
        assertEquals("--from: an option of dmasim upgrade only", error("boot", "--from", "6.1"));
        assertEquals("--fail-on-loss: an option of dmasim upgrade only", error("shell", "--fail-on-loss"));
        assertEquals("--fail-on-loss takes no value", error("upgrade", "--fail-on-loss=yes"));
    }
}
