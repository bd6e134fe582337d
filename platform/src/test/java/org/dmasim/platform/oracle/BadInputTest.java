package org.dmasim.platform.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.EarlyParam;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.dt.DtbParser;
import org.dmasim.platform.dt.DtbWriter;
import org.dmasim.platform.mem.MemoryBoot;
import org.dmasim.platform.profile.SpecBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per class of bad input of issue 7 section 2: each must stop with a message naming
 * the input (file, node, parameter) and the rule, or go on with the kernel's own reaction.
 */
class BadInputTest {
    @TempDir
    Path tmp;

    /** A 4 GiB QEMU-like arm64 tree with {@code more} inside the root node. */
    private Path dts(String more) throws Exception {
        return Files.writeString(tmp.resolve("board.dts"), "/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;\n"
            + " memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 1 0>; };\n" + more + "};\n");
    }

    private static String refused(Map<String, String> config) {
        return assertThrows(InvalidInputException.class, () -> SpecBuilder.build(config)).getMessage();
    }

    private static BootResult boot(Map<String, String> config) {
        BootResult r = Platforms.boot(config);
        assertTrue(r.unexpected().isEmpty(), () -> "unexpected: " + r.unexpected().get());
        return r;
    }

    private static List<String> kernel(BootResult r) {
        return r.log().kernelText();
    }

    private static List<String> remarks(BootResult r) {
        return r.log().lines().stream().filter(l -> l.level() == LogLine.Level.DMASIM).map(LogLine::text).toList();
    }

    // ---- device trees ----

    @Test
    void regOfTheWrongLengthNamesFileLineNodeAndTheCellCounts() throws Exception {
        Path f = Files.writeString(tmp.resolve("bad.dts"), "/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;\n"
            + " memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 1>; };\n};\n");
        assertEquals(f + ":5:44: /memory@40000000: 'reg' has 12 bytes, not a whole number of 16-byte entries"
            + " (#address-cells = <2>, #size-cells = <2> of /); Linux would silently ignore the bytes left over",
            refused(Map.of(PlatformConfig.DTB, f.toString())));
    }

    @Test
    void theSameRuleHoldsForABlobAndNamesItsFileAndNode() throws Exception {
        var tree = DtbParser.parse(BootFuzz.resource("dt/a64-4G-default.dtb"), "x");
        BootFuzz.MNode root = BootFuzz.MNode.of(tree.root());
        root.child("fw-cfg@9020000").props.put("reg", new byte[12]);
        Path f = Files.write(tmp.resolve("board.dtb"), DtbWriter.write(root.build(), tree.memReserves()));
        assertEquals(f + ": /fw-cfg@9020000: 'reg' has 12 bytes, not a whole number of 16-byte entries"
            + " (#address-cells = <2>, #size-cells = <2> of /); Linux would silently ignore the bytes left over",
            refused(Map.of(PlatformConfig.DTB, f.toString())));
    }

    @Test
    void cellCountsOfTheWrongLengthOrAbsurdValueAreRefused() throws Exception {
        String[][] cases = {
            {"#size-cells = <0>;", "#size-cells = <0> on the root: memory and /reserved-memory regs are read in the root's"
                + " cells and need at least one of each"},
            {"#size-cells = <3>;", "#size-cells = <3>: a size is at most 2 cells"},
            {"#address-cells = <5>;", "#address-cells = <5>: more than OF_MAX_ADDR_CELLS (4)"},
            {"#address-cells = <0xffffffff>;", "#address-cells = <0xffffffff>: more than OF_MAX_ADDR_CELLS (4)"},
            {"#address-cells = [02];", "#address-cells has 1 bytes; it must be one 32-bit cell"}};
        for (String[] c : cases) {
            Path f = Files.writeString(tmp.resolve("cells.dts"), "/dts-v1/;\n/ {\n #address-cells = <2>;\n"
                + " #size-cells = <2>;\n bus { " + c[0].replace("#size-cells = <0>", "#size-cells = <1>") + " };\n};\n");
            if (c[0].equals("#size-cells = <0>;")) {
                f = Files.writeString(tmp.resolve("cells.dts"), "/dts-v1/;\n/ {\n #address-cells = <2>;\n"
                    + " #size-cells = <0>;\n};\n");
            }
            String m = refused(Map.of(PlatformConfig.DTB, f.toString()));
            assertTrue(m.startsWith(f.toString() + ":") && m.contains(c[1]), c[0] + " -> " + m);
        }
    }

    @Test
    void dmaRangesOfTheWrongLengthAreRefused() throws Exception {
        Path f = dts(" bus { compatible = \"simple-bus\"; #address-cells = <1>; #size-cells = <1>; ranges;\n"
            + "  dma-ranges = <0 0 0x40000000>; };\n");
        String m = refused(Map.of(PlatformConfig.DTB, f.toString()));
        assertEquals(f + ":7:3: /bus: 'dma-ranges' has 12 bytes, not a whole number of 16-byte entries"
            + " (#address-cells = <1> of this node, <2> of its parent, #size-cells = <1>); Linux would silently ignore"
            + " the bytes left over", m);
    }

    @Test
    void aReservedRegionOfSizeZeroGetsTheKernelsErrorAndTheBootGoesOn() throws Exception {
        Path f = dts(" reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n"
            + "  pool@50000000 { compatible = \"shared-dma-pool\"; reg = <0 0x50000000 0 0>; no-map; };\n };\n");
        BootResult r = boot(Map.of(PlatformConfig.DTB, f.toString()));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertTrue(kernel(r).contains("OF: fdt: Reserved memory: failed to reserve memory for node 'pool@50000000':"
            + " base 0x0000000050000000, size 0 MiB"), kernel(r).toString());
        assertFalse(kernel(r).stream().anyMatch(l -> l.contains("pool@50000000") && l.contains("initialized")));
        assertTrue(kernel(r).contains("  node   0: [mem 0x0000000040000000-0x000000013fffffff]"), "nothing was carved out");
    }

    @Test
    void aRegionNoDriverTakesThatCoversTheKernelImageDoesNotFreeTheImage() throws Exception {
        Path f = dts(" reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n"
            + "  fw@40000000 { compatible = \"shared-dma-pool\"; reusable; reg = <0 0x40000000 0 0x4001000>; };\n };\n");
        // A boot loader that ignores the region and loads the Image at RAM + 2 MiB anyway.
        BootResult r = boot(Map.of(PlatformConfig.DTB, f.toString(), PlatformConfig.KERNEL_BASE, "0x40200000"));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertTrue(kernel(r).contains("Reserved memory: incorrect alignment of CMA region"), kernel(r).toString());
        assertTrue(kernel(r).contains("OF: reserved mem: node fw@40000000 compatible matching fail"));
        assertTrue(remarks(r).stream().anyMatch(l -> l.startsWith(f + ": region /reserved-memory/fw@40000000 [mem"
            + " 0x0000000040000000-0x0000000044000fff] overlaps [mem 0x0000000040210000-")), remarks(r).toString());
        assertTrue(kernel(r).contains("Freeing unused kernel memory: 6464K"), "the image's init pages were still reserved");
    }

    /** A size past the end of the address space is cut there, as memblock does, not wrapped around. */
    @Test
    void aGivenBackRegionWhoseSizeRunsPastTheAddressSpaceStillKeepsTheImage() throws Exception {
        Path f = dts(" reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n"
            + "  fw@40001000 { compatible = \"shared-dma-pool\"; reusable; reg = <0 0x40001000 0xffffffff 0xffffffff>; };\n"
            + " };\n");
        BootResult r = boot(Map.of(PlatformConfig.DTB, f.toString(), PlatformConfig.KERNEL_BASE, "0x40200000"));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertTrue(kernel(r).contains("OF: reserved mem: node fw@40001000 compatible matching fail"), kernel(r).toString());
        assertTrue(remarks(r).stream().anyMatch(l -> l.startsWith(f + ": region /reserved-memory/fw@40001000 [mem"
            + " 0x0000000040001000-0xfffffffffffffffe] overlaps [mem 0x0000000040210000-")), remarks(r).toString());
        assertTrue(kernel(r).contains("Freeing unused kernel memory: 6464K"), "the image's init pages were still reserved");
        // Where no boot loader setting says otherwise, such a region leaves no room for the Image at all.
        String refusal = Platforms.boot(Map.of(PlatformConfig.DTB, f.toString())).failure().orElse("");
        assertTrue(refusal.contains("no 2 MiB aligned range of 32 MiB in RAM clear of reserved regions for the kernel"
            + " Image (give kernel.base)"), refusal);
    }

    /** Given back, a region also frees what it shares with another region's reservation: not here. */
    @Test
    void aGivenBackRegionDoesNotFreeTheReservationOfARegionItOverlaps() throws Exception {
        Path f = dts(" reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n"
            + "  cma@60000000 { compatible = \"shared-dma-pool\"; reusable; reg = <0 0x60000000 0 0x4000000>; };\n"
            + "  fw@62001000 { compatible = \"shared-dma-pool\"; reusable; reg = <0 0x62001000 0 0x400000>; };\n };\n");
        BootResult r = boot(Map.of(PlatformConfig.DTB, f.toString()));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertTrue(kernel(r).stream().anyMatch(l -> l.startsWith("OF: reserved mem: OVERLAP DETECTED!")), kernel(r).toString());
        assertTrue(kernel(r).contains("OF: reserved mem: node fw@62001000 compatible matching fail"));
        assertTrue(remarks(r).stream().anyMatch(l -> l.startsWith(f + ": region /reserved-memory/fw@62001000 [mem"
            + " 0x0000000062001000-0x0000000062400fff] overlaps [mem 0x0000000060000000-0x0000000063ffffff], the reservation"
            + " of /reserved-memory/cma@60000000;")), remarks(r).toString());
        assertTrue(kernel(r).contains("Reserved memory: created CMA memory pool at 0x0000000060000000, size 64 MiB"));
        assertTrue(kernel(r).stream().noneMatch(l -> l.contains("could not be activated")), "the area keeps all its pages");
    }

    /** Two CMA areas on the same pages: Linux frees the shared pages twice; dmasim activates the first only. */
    @Test
    void overlappingCmaAreasDoNotHandTheSamePagesToTheAllocatorTwice() throws Exception {
        Path f = dts(" reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n"
            + "  a@60000000 { compatible = \"shared-dma-pool\"; reusable; reg = <0 0x60000000 0 0x4000000>; };\n"
            + "  b@62000000 { compatible = \"shared-dma-pool\"; reusable; reg = <0 0x62000000 0 0x4000000>; };\n"
            + "  c@ff800000 { compatible = \"shared-dma-pool\"; reusable; reg = <0 0xff800000 0 0x1000000>; };\n"
            + "  d@ffc00000 { compatible = \"shared-dma-pool\"; reusable; reg = <0 0xffc00000 0 0x400000>; };\n };\n");
        BootResult r = boot(Map.of(PlatformConfig.DTB, f.toString()));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        List<String> k = kernel(r);
        assertTrue(k.stream().anyMatch(l -> l.startsWith("OF: reserved mem: OVERLAP DETECTED!")), k.toString());
        // Activated: the pages of a go to the allocator as MIGRATE_CMA; b would free half of them again.
        assertTrue(remarks(r).contains("CMA area b@62000000 [mem 0x0000000062000000-0x0000000065ffffff] overlaps CMA area"
            + " a@60000000 [mem 0x0000000060000000-0x0000000063ffffff], whose pages the page allocator already has: Linux"
            + " 6.1 would free them a second time and corrupt its free lists; dmasim leaves b@62000000 without pages and"
            + " its memory reserved"), remarks(r).toString());
        // Across the 4 GiB zone boundary: c cannot be activated and gives its pages back; d would free them again.
        assertTrue(k.contains("cma: CMA area c@ff800000 could not be activated"), k.toString());
        assertTrue(remarks(r).stream().anyMatch(l -> l.startsWith("CMA area d@ffc00000 [mem 0x00000000ffc00000-"
            + "0x00000000ffffffff] overlaps CMA area c@ff800000 [mem 0x00000000ff800000-0x00000001007fffff]")),
            remarks(r).toString());
        CmaAreas areas = r.lookup(CmaAreas.class).orElseThrow();
        assertEquals(16384, areas.byName("a@60000000").orElseThrow().count());
        assertEquals(0, areas.byName("b@62000000").orElseThrow().count());
        assertEquals(0, areas.byName("d@ffc00000").orElseThrow().count());
    }

    @Test
    void memoryLargerThanTheSimulatorSupportsNamesTheNodeAndTheLimit() throws Exception {
        Path f = Files.writeString(tmp.resolve("big.dts"), "/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;\n"
            + " memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0x800 0x40000000>; };\n};\n");
        BootResult r = boot(Map.of(PlatformConfig.DTB, f.toString()));
        assertFalse(r.ok());
        assertEquals(f + ": /memory@40000000: RAM spans [mem 0x0000000040000000-0x000008007fffffff] (8193 GiB, holes"
            + " included); dmasim simulates at most 8 TiB of physical address space in a node (a limit of the simulator,"
            + " not of Linux)", r.failure().get());
        assertEquals(8L << 40, MemoryBoot.MAX_NODE_SPAN);
    }

    @Test
    void memoryUpToThe48BitLimitIsRefusedBeforeTheEarlyAllocationsAreSizedByIt() throws Exception {
        // Found by BootFuzz: page tables for a 256 TiB linear map used to be counted one by one.
        Path f = Files.writeString(tmp.resolve("huge.dts"), "/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;\n"
            + " memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0xffffffff 0xffffffff>; };\n};\n");
        BootResult r = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> boot(Map.of(PlatformConfig.DTB, f.toString())));
        assertTrue(r.failure().orElse("").startsWith(f + ": /memory@40000000: RAM spans [mem 0x0000000040000000-"
            + "0x0000ffffffffffff]"), r.failure().orElse("booted"));
        assertFalse(kernel(r).stream().anyMatch(l -> l.startsWith("Zone ranges")), "stopped before the zones");
    }

    @Test
    void aTreeWithMoreBanksThanMemblockHoldsBootsWithTheFirst128AsTheKernelDoes() throws Exception {
        StringBuilder reg = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            reg.append(String.format(" 0 %#x 0 0x100000", 0x40000000L + i * 0x200000L));
        }
        StringBuilder resv = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            resv.append(String.format(" 0 %#x 0 0x1000", 0x80000000L + i * 0x2000L));
        }
        Path f = Files.writeString(tmp.resolve("many.dts"), "/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;\n"
            + " memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 1 0>; };\n"
            + " memory@100000000 { device_type = \"memory\"; reg = <" + reg.toString().replace("0 0x4", "1 0x4") + ">; };\n"
            + " reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n  fw@80000000 { reg = <" + resv
            + ">; };\n };\n};\n");
        BootResult r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> boot(Map.of(PlatformConfig.DTB, f.toString())));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        long banks = kernel(r).stream().filter(l -> l.startsWith("  node   0: ")).count();
        assertTrue(banks <= 128, banks + " node ranges");
        assertTrue(kernel(r).stream().anyMatch(l -> l.startsWith("OF: fdt: Reserved memory: failed to reserve memory for"
            + " node 'fw@80000000'")), "reservations past the array's 128 slots fail with the kernel's error");
    }

    @Test
    void aBlobLargerThanArm64MapsIsRefused() throws Exception {
        var tree = DtbParser.parse(BootFuzz.resource("dt/a64-4G-default.dtb"), "x");
        BootFuzz.MNode root = BootFuzz.MNode.of(tree.root());
        root.child("blob").props.put("data", new byte[(2 << 20) + 1]);
        Path f = Files.write(tmp.resolve("huge.dtb"), DtbWriter.write(root.build(), tree.memReserves()));
        String m = refused(Map.of(PlatformConfig.DTB, f.toString()));
        assertTrue(m.startsWith(f + ": the flattened tree is ") && m.contains("at most 2 MiB of device tree (MAX_FDT_SIZE)"), m);
    }

    // ---- files ----

    @Test
    void includesOfDevicesDirectoriesAndFifosAreRefusedWithoutReadingThem() throws Exception {
        Path fifo = tmp.resolve("fifo");
        boolean haveFifo = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0;
        for (String target : haveFifo ? List.of("/dev/zero", tmp.toString(), fifo.toString()) : List.of("/dev/zero",
            tmp.toString())) {
            Path f = Files.writeString(tmp.resolve("inc.dts"), "/dts-v1/;\n/include/ \"" + target + "\"\n/ { };\n");
            String m = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> refused(Map.of(PlatformConfig.DTB, f.toString())));
            assertTrue(m.startsWith(f + ":2:1: cannot read /include/ file '" + target + "': " + target + ": "), m);
            assertTrue(m.contains("not a regular file") || m.contains("is a directory"), m);
        }
        String m = refused(Map.of(PlatformConfig.DTB, "/dev/zero"));
        assertTrue(m.startsWith("/dev/zero: not a regular file"), m);
        String e820 = refused(Map.of(PlatformConfig.ARCH, "x86_64", PlatformConfig.E820, "/dev/zero"));
        assertTrue(e820.startsWith("/dev/zero: not a regular file"), e820);
    }

    @Test
    void aFileAboveTheSixteenMibCapIsRefusedBeforeItIsRead() throws Exception {
        Path huge = tmp.resolve("huge.dtsi");
        try (var raf = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            raf.setLength((16L << 20) + 1);
        }
        Path f = Files.writeString(tmp.resolve("inc.dts"), "/dts-v1/;\n/include/ \"huge.dtsi\"\n/ { };\n");
        assertEquals(f + ":2:1: cannot read /include/ file 'huge.dtsi': " + huge + ": larger than 16 MiB, the most"
            + " dmasim reads from one input file", refused(Map.of(PlatformConfig.DTB, f.toString())));
    }

    @Test
    void includingOneFileOverAndOverIsBoundedToo() throws Exception {
        Files.writeString(tmp.resolve("leaf.dtsi"), "/* " + "x".repeat(1 << 20) + " */\n");
        Files.writeString(tmp.resolve("mid.dtsi"), "/include/ \"leaf.dtsi\"\n".repeat(8));
        Path f = Files.writeString(tmp.resolve("top.dts"), "/dts-v1/;\n" + "/include/ \"mid.dtsi\"\n".repeat(8) + "/ { };\n");
        String m = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> refused(Map.of(PlatformConfig.DTB, f.toString())));
        assertTrue(m.contains("the source and the files it includes (each inclusion counted) exceed 16 MiB"), m);
    }

    @Test
    void deeplyNestedExpressionsStopWithAMessageNotAStackOverflow() throws Exception {
        Path f = Files.writeString(tmp.resolve("deep.dts"), "/dts-v1/;\n/ {\n x = <" + "(".repeat(100_000) + "1"
            + ")".repeat(100_000) + ">;\n};\n");
        String m = refused(Map.of(PlatformConfig.DTB, f.toString()));
        assertTrue(m.contains("expression nested deeper than 200 levels"), m);
    }

    // ---- what a model does with input it did not expect ----

    @Test
    void anythingAParticipantThrowsBecomesOneLineNamingTheInputsAndTheStep() {
        for (Throwable t : new Throwable[] {new NullPointerException("Cannot invoke \"java.lang.String.length()\""),
            new StackOverflowError(), new IllegalStateException("zone DMA has no pages")}) {
            BootParticipant broken = new Participant(BootPhase.ZONELISTS) {
                @Override
                public void run(BootPhase phase, BootContext ctx) {
                    if (t instanceof RuntimeException e) {
                        throw e;
                    }
                    throw (Error) t;
                }
            };
            BootResult r = Platforms.boot(SpecBuilder.build(Map.of()), broken);
            assertFalse(r.ok());
            assertEquals(t, r.unexpected().orElseThrow());
            String m = r.failure().get();
            assertTrue(m.startsWith("qemu-virt-arm64 (profiles/qemu-virt-arm64.dts, command line \"console=ttyAMA0"
                + " earlycon\"): zonelists (broken) stopped: "), m);
            assertFalse(m.contains("java.") || m.contains("Exception") || m.contains("Error") || m.contains("internal error"), m);
        }
    }

    // ---- command lines ----

    @Test
    void aRejectingEarlyHandlerGetsTheKernelsMalformedEarlyOptionLine() {
        Participant strict = new Participant(null) {
            @Override
            public List<EarlyParam> earlyParams(Arch arch) {
                return List.of(EarlyParam.of("acme_level", (v, ctx) -> "1".equals(v) ? 0 : -Errno.EINVAL));
            }
        };
        BootResult r = Platforms.boot(SpecBuilder.build(Map.of(PlatformConfig.CMDLINE, "acme-level=2 acme_level=1")),
            strict);
        assertTrue(r.ok());
        assertEquals(List.of("Malformed early option 'acme-level'"),
            kernel(r).stream().filter(l -> l.startsWith("Malformed")).toList(), "named as written, once per rejection");
    }

    @Test
    void arm64MemGarbageIsMemoryLimitedToZeroAndBootsWithAllMemory() {
        BootResult plain = boot(Map.of(PlatformConfig.CMDLINE, ""));
        BootResult garbage = boot(Map.of(PlatformConfig.CMDLINE, "mem=garbage"));
        assertTrue(garbage.ok());
        assertEquals("Memory limited to 0MB", kernel(garbage).get(0));
        assertEquals(OracleSelection.select(kernel(plain)), OracleSelection.select(kernel(garbage)));
        BootResult bare = boot(Map.of(PlatformConfig.CMDLINE, "mem"));
        assertTrue(kernel(bare).contains("Malformed early option 'mem'"));
        BootResult rounded = boot(Map.of(PlatformConfig.CMDLINE, "mem=2047M"));
        assertEquals("Memory limited to 2047MB", kernel(rounded).get(0));
    }

    @Test
    void trailingGarbageAfterASizeIsRefusedSayingWhatLinuxWouldDo() {
        BootResult r = boot(Map.of(PlatformConfig.CMDLINE, "mem=12Q"));
        assertFalse(r.ok());
        assertEquals("mem=12Q: invalid size: memparse stops at 'Q' (expected a number with an optional K, M, G, T, P or"
            + " E suffix); Linux would silently use 12 and ignore the rest, dmasim refuses it", r.failure().get());
    }

    @Test
    void aSizeThatOverflowsIsAnErrorNamingTheParameter() {
        BootResult r = boot(Map.of(PlatformConfig.CMDLINE, "cma=16384P"));
        assertFalse(r.ok());
        assertEquals("cma=16384P: '16384P' does not fit in 64 bits (Linux would silently wrap it to 0)",
            r.failure().get());
        BootResult x86 = boot(Map.of(PlatformConfig.ARCH, "x86_64", PlatformConfig.CMDLINE, "memmap=1G@16E"));
        assertEquals("memmap=1G@16E: '16E' does not fit in 64 bits (Linux would silently wrap it to 0)",
            x86.failure().get());
    }

    @Test
    void theCommandLineIsCutToCommandLineSizeAndTheRemarkSaysSo() {
        String given = "console=ttyAMA0 " + "x".repeat(2100) + " cma=16384P";
        BootResult r = boot(Map.of(PlatformConfig.CMDLINE, given));
        assertTrue(r.ok(), "the overflowing cma= was cut off before the kernel saw it");
        String line = kernel(r).stream().filter(l -> l.startsWith("Kernel command line: ")).findFirst().orElseThrow();
        assertEquals("Kernel command line: " + given.substring(0, 2047), line);
        assertTrue(remarks(r).contains("the command line given is " + given.length() + " bytes; a bootloader copies at"
            + " most 2047 of them (COMMAND_LINE_SIZE 2048 with its NUL), so Linux sees only the line above and"
            + " ignores the rest"), remarks(r).toString());
    }

    @Test
    void parametersAfterADoubleDashAreForInit() {
        BootResult r = boot(Map.of(PlatformConfig.CMDLINE, "console=ttyAMA0 -- cma=16384P mem=1G"));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertFalse(kernel(r).stream().anyMatch(l -> l.startsWith("Memory limited")));
    }

    @Test
    void memoryShapingParametersDmasimDoesNotModelAreNamedInARemark() {
        BootResult arm = boot(Map.of(PlatformConfig.CMDLINE, "crashkernel=256M memmap=8G!8G kernelcore=1G"));
        assertEquals(List.of(
            "crashkernel=256M: accepted; not modelled: no crash kernel area is reserved, so that memory stays free in this"
                + " layout",
            "memmap=8G!8G: not a parameter here: memmap= exists on x86, MIPS and Xtensa only; Linux on arm64 passes it"
                + " to init",
            "kernelcore=1G: accepted; not modelled: no ZONE_MOVABLE is carved out (\"Movable zone start\" stays empty)"),
            remarks(arm).stream().filter(l -> !l.startsWith("kernel Image at ")).toList());
        BootResult x86 = boot(Map.of(PlatformConfig.ARCH, "x86_64", PlatformConfig.CMDLINE, "highmem=1G hugepages=4"));
        assertEquals(2, remarks(x86).size(), remarks(x86).toString());
        assertTrue(remarks(x86).get(0).startsWith("highmem=1G: not a parameter here"));
    }

    // ---- x86: mem=, memmap=, e820 ----

    private static final String X86_8G = "oracle/linux-6.1/x86-8G-default/e820";

    private Map<String, String> x86(String cmdline) throws Exception {
        Path e820 = Files.write(tmp.resolve("e820"), BootFuzz.resource(X86_8G));
        return Map.of(PlatformConfig.ARCH, "x86_64", PlatformConfig.E820, e820.toString(), PlatformConfig.CMDLINE,
            "nokaslr " + cmdline);
    }

    @Test
    void memmapPersistentMemoryIsSplitOutOfTheNodeRangesAndPrintedAsTheUserMap() throws Exception {
        BootResult r = boot(x86("memmap=5G!4G"));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        List<String> k = kernel(r);
        int user = k.indexOf("user-defined physical RAM map:");
        assertTrue(user > 0 && k.indexOf("BIOS-provided physical RAM map:") < user, k.toString());
        assertTrue(k.contains("user: [mem 0x0000000100000000-0x000000023fffffff] persistent (type 12)"), k.toString());
        assertTrue(k.contains("user: [mem 0x0000000000100000-0x00000000bffdffff] usable"));
        assertTrue(k.contains("  node   0: [mem 0x0000000000100000-0x00000000bffdffff]"));
        assertFalse(k.stream().anyMatch(l -> l.startsWith("  node   0: [mem 0x0000000100000000")), k.toString());
    }

    @Test
    void everyMemmapFormEditsTheTableAsParseMemmapOneDoes() throws Exception {
        List<String> k = kernel(boot(x86("memmap=64M$0x20000000,16M#0x30000000,1G@0x300000000,0x1000%0x9f000-2+1,5G")));
        assertTrue(k.contains("user: [mem 0x0000000020000000-0x0000000023ffffff] reserved"), k.toString());
        assertTrue(k.contains("user: [mem 0x0000000030000000-0x0000000030ffffff] ACPI data"));
        assertTrue(k.contains("user: [mem 0x0000000000000000-0x000000000009ffff] usable"), "% retypes reserved to usable");
        assertTrue(k.contains("user: [mem 0x0000000100000000-0x000000013fffffff] usable"), "plain nn is a limit like mem=");
        assertFalse(k.stream().anyMatch(l -> l.startsWith("user: [mem 0x00000003")), "so the @ range above it is gone");
        List<String> exact = kernel(boot(x86("memmap=exactmap memmap=640K@0 memmap=2G@1M")));
        assertEquals(List.of("user: [mem 0x0000000000000000-0x000000000009ffff] usable",
            "user: [mem 0x0000000000100000-0x00000000800fffff] usable"),
            exact.stream().filter(l -> l.startsWith("user: ")).toList());
    }

    @Test
    void memmapEntriesTheKernelWouldMisreadAreRefusedNamingTheEntry() throws Exception {
        assertEquals("memmap=1G&4G: '&' after the size is not a memmap operator (@ usable, # ACPI data, $ reserved, !"
            + " persistent, % retype); Linux would take the entry as memmap=1G, a limit like mem=, and ignore the rest",
            boot(x86("memmap=1G&4G")).failure().get());
        assertEquals("memmap=64M%4G-2+2: the old and the new type are the same; Linux stops the boot at"
            + " BUG_ON(old_type == new_type) in __e820__range_update", boot(x86("memmap=64M%4G-2+2")).failure().get());
        assertTrue(boot(x86("memmap=exactmap memmap=1G@0")).failure().get().startsWith("mem=/memmap=: Invalid user"
            + " supplied memory map (the edited e820 table has 1 entry"));
    }

    @Test
    void x86MemWithoutANumberIsMalformedButStillPrintsTheUserMap() throws Exception {
        List<String> k = kernel(boot(x86("mem=garbage")));
        int malformed = k.indexOf("Malformed early option 'mem'");
        assertTrue(malformed > 0 && k.indexOf("user-defined physical RAM map:") > malformed, k.toString());
        List<String> nopentium = kernel(boot(x86("mem=nopentium")));
        assertTrue(nopentium.contains("mem=nopentium ignored! (only supported on x86_32)"));
        assertTrue(nopentium.contains("Malformed early option 'mem'"));
    }

    @Test
    void aReservedKernelImageAreaGetsTheKernelsWarningAndARemarkNamingTheEntry() throws Exception {
        BootResult r = boot(x86("memmap=16M$32M"));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertTrue(kernel(r).contains(".text .data and .bss are not marked as E820_TYPE_RAM!"));
        assertTrue(remarks(r).stream().anyMatch(l -> l.startsWith("the kernel image [mem 0x0000000001000000-"
            + "0x0000000004441fff] (loaded at 16 MiB, nokaslr) lies in [mem 0x0000000002000000-0x0000000002ffffff]"
            + " reserved; Linux marks that range usable again")), remarks(r).toString());
    }

    @Test
    void aHugeE820MapIsCutToTheKernelsTableSizeQuickly() throws Exception {
        StringBuilder map = new StringBuilder(new String(BootFuzz.resource(X86_8G)));
        for (long i = 0; i < 20_000; i++) {
            long at = 0x10000000000L + i * 0x200000L;
            map.append(String.format("BIOS-e820: [mem %#018x-%#018x] reserved%n", at, at + 0xfffff));
        }
        Path e820 = Files.writeString(tmp.resolve("big.e820"), map);
        BootResult r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> boot(Map.of(PlatformConfig.ARCH,
            "x86_64", PlatformConfig.E820, e820.toString())));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertTrue(kernel(r).get(0).startsWith("too many entries; ignoring [mem "), kernel(r).get(0));
        assertTrue(remarks(r).stream().anyMatch(l -> l.contains("the table holds 3200 entries")), remarks(r).toString());
    }

    /** A participant that takes part in one phase (or none) and does nothing unless overridden. */
    private abstract static class Participant implements BootParticipant {
        private final BootPhase phase;

        Participant(BootPhase phase) {
            this.phase = phase;
        }

        @Override
        public String name() {
            return "broken";
        }

        @Override
        public Set<BootPhase> phases(Arch arch) {
            return phase == null ? Set.of() : Set.of(phase);
        }

        @Override
        public void run(BootPhase p, BootContext ctx) {
        }
    }
}
