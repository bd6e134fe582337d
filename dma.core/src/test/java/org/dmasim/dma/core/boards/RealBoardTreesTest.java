package org.dmasim.dma.core.boards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.platform.boards.MemblockProbe;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.dmasim.platform.profile.SpecBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real board device trees from Debian's arm64 kernel package (platform test resources
 * {@code boards/}, origins in its README), booted with the {@code arm64-board} profile the way a
 * BSP engineer boots them, each with the {@code --mem} it needs: no internal error, zones, the
 * kernel Image in RAM clear of reserved regions, devices created, and no reservation failure a
 * real board would not print.
 */
class RealBoardTreesTest {
    private static final Pattern IMAGE = Pattern.compile("kernel Image at \\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\\]");

    @TempDir
    static Path unpacked;

    /**
     * A tree from the platform's test resources as a file: they come from its test jar when the
     * build packages it, so they are copied out once.
     */
    static Path board(String file) {
        try {
            java.net.URL url = RealBoardTreesTest.class.getClassLoader().getResource("boards/" + file);
            if (url.getProtocol().equals("file")) {
                return Path.of(url.toURI());
            }
            Path copy = unpacked.resolve(file);
            if (!Files.exists(copy)) {
                try (java.io.InputStream in = url.openStream()) {
                    Files.copy(in, copy);
                }
            }
            return copy;
        } catch (URISyntaxException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static BootResult boot(String file, String mem, boolean devices) {
        return boot(file, mem, devices, new MemblockProbe());
    }

    static BootResult boot(String file, String mem, boolean devices, MemblockProbe probe) {
        Map<String, Object> c = new HashMap<>();
        c.put(PlatformConfig.PROFILE, "arm64-board");
        c.put(PlatformConfig.DTB, board(file).toString());
        if (mem != null) {
            c.put(PlatformConfig.MEM, mem);
        }
        return devices ? Platforms.boot(SpecBuilder.build(c), new DmaCoreBoot(), probe)
            : Platforms.boot(SpecBuilder.build(c), probe);
    }

    /** Board, the --mem it needs (null: its memory node), the kernel Image base a loader picks. */
    static Stream<Arguments> boards() {
        return Stream.of(
            Arguments.of("bcm2837-rpi-3-b.dtb", null, 0x200000L),
            // hwrom@0 is no-map over [0, 16 MiB): the Image goes to the first 2 MiB boundary after it
            Arguments.of("meson-gxl-s905x-libretech-cc.dtb", null, 0x1000000L),
            Arguments.of("rk3328-rock64.dtb", "1G@0x0", 0x200000L),
            Arguments.of("sun50i-a64-pine64-plus.dtb", "1G@0x40000000", 0x40200000L),
            Arguments.of("imx8mn-bsh-smm-s2.dtb", null, 0x40200000L),
            Arguments.of("fvp-base-revc.dtb", null, 0x80200000L),
            Arguments.of("sm6125-sony-xperia-seine-pdx201.dtb", "4G@0x40000000", 0x40200000L),
            Arguments.of("armada-3720-espressobin.dtb", null, 0x200000L),
            Arguments.of("k3-am625-sk.dtb", null, 0x80200000L),
            Arguments.of("tegra132-norrin.dtb", null, 0x80200000L),
            Arguments.of("zynqmp-zc1275-revA.dtb", null, 0x200000L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("boards")
    void bootsLikeTheBoard(String file, String mem, long imageBase) {
        MemblockProbe probe = new MemblockProbe();
        BootResult r = boot(file, mem, true, probe);
        assertTrue(r.ok(), () -> file + ": " + r.failure().orElse("") + "\n" + String.join("\n", r.log().kernelText()));
        List<LogLine> lines = r.log().lines();
        for (LogLine l : lines) {
            assertFalse(l.text().contains("internal error") || l.text().contains("org.dmasim") || l.text().contains("Exception"),
                file + ": " + l.text());
            // reservation failures, CMA failures: a real board with its real RAM prints none of these
            assertFalse(l.text().contains("failed to reserve") || l.text().contains("failed to allocate")
                || l.text().contains("Failed to reserve"), file + ": " + l.text());
        }
        List<String> kernel = r.log().kernelText();
        int zones = kernel.indexOf("Zone ranges:");
        assertTrue(zones >= 0, file);
        assertTrue(kernel.get(zones + 1).startsWith("  DMA      [mem "), file + ": " + kernel.get(zones + 1));

        Memblock mb = probe.memblock();
        long base = imageBase(lines);
        assertEquals(imageBase, base, file + ": kernel Image base");
        assertTrue(mb.isMemory(base) && mb.isMemory(base + 0x2010000L - 1), file + ": Image in RAM");
        for (Memblock.Region reg : mb.memory()) {
            if ((reg.flags() & Memblock.NOMAP) != 0) {
                assertTrue(reg.end() <= base || reg.base() >= base + 0x2010000L, file + ": Image overlaps no-map " + reg);
            }
        }
        assertFalse(r.lookup(DmaApi.class).orElseThrow().devices().isEmpty(), file + ": devices");
    }

    static long imageBase(List<LogLine> lines) {
        for (LogLine l : lines) {
            Matcher m = IMAGE.matcher(l.text());
            if (l.level() == LogLine.Level.DMASIM && m.find()) {
                return Long.decode(m.group(1));
            }
        }
        throw new AssertionError("no kernel Image remark");
    }

    @Test
    void amlogicHwromNoLongerFailsItsReservation() {
        BootResult r = boot("meson-gxl-s905x-libretech-cc.dtb", null, false);
        String remark = r.log().lines().stream().filter(l -> l.level() == LogLine.Level.DMASIM)
            .map(LogLine::text).filter(t -> t.startsWith("kernel Image")).findFirst().orElseThrow();
        assertEquals("kernel Image at [mem 0x1000000-0x300ffff]: start of RAM + 2 MiB overlaps no-map region hwrom@0"
            + " [mem 0x0-0xffffff], so the first 2 MiB boundary clear of reserved regions; device tree blob at"
            + " [mem 0x8000000-0x8007213]: 29204 bytes (the blob's own totalsize)", remark);
    }

    @Test
    void bootargsAreTheCommandLineWhenNothingElseGivesOne() {
        BootResult r = boot("k3-am625-sk.dtb", null, false);
        assertTrue(r.log().kernelText().contains("Kernel command line: console=ttyS2,115200n8 earlycon=ns16550a,mmio32,0x02800000"),
            () -> String.join("\n", r.log().kernelText()));
        assertTrue(r.log().lines().stream().anyMatch(l -> l.level() == LogLine.Level.DMASIM
            && l.text().startsWith("command line from /chosen/bootargs of ") && l.text().contains("k3-am625-sk.dtb")));

        Map<String, Object> c = new HashMap<>(Map.of(PlatformConfig.PROFILE, "arm64-board",
            PlatformConfig.DTB, board("k3-am625-sk.dtb").toString(), PlatformConfig.CMDLINE, "cma=32M"));
        BootResult given = Platforms.boot(SpecBuilder.build(c));
        assertTrue(given.log().kernelText().contains("Kernel command line: cma=32M"));
        assertTrue(given.log().lines().stream().anyMatch(l -> l.text().startsWith("command line from --cmdline; /chosen/bootargs of")));
        // the default profile (QEMU virt) gives its own command line, which replaces the tree's
        BootResult virt = Platforms.boot(SpecBuilder.build(Map.of(PlatformConfig.DTB, board("k3-am625-sk.dtb").toString())));
        assertTrue(virt.log().kernelText().contains("Kernel command line: console=ttyAMA0 earlycon"));
        assertTrue(virt.log().lines().stream().anyMatch(l -> l.text().startsWith("command line from profile qemu-virt-arm64;")));
    }

    @Test
    void placeholderMemoryNodeIsNamedWithItsBaseAndAMem() {
        BootResult r = boot("sm6125-sony-xperia-seine-pdx201.dtb", null, false);
        assertFalse(r.ok());
        assertEquals(board("sm6125-sony-xperia-seine-pdx201.dtb") + ": memory node /memory@40000000 has size 0 at base"
            + " 0x40000000 (a placeholder the boot loader fills in with the board's RAM); give the RAM with --mem SIZE@BASE,"
            + " e.g. --mem 4G@0x40000000 (the node's base; use the board's real size)", r.failure().orElseThrow());
    }

    @Test
    void missingMemoryNodeSuggestsARangeClearOfTheDevices() {
        String allwinner = boot("sun50i-a64-pine64-plus.dtb", null, false).failure().orElseThrow();
        assertTrue(allwinner.startsWith(board("sun50i-a64-pine64-plus.dtb") + ": no memory node"), allwinner);
        assertTrue(allwinner.contains("e.g. --mem 1G@0x40000000 (the first 1 GiB aligned range clear of this tree's"
            + " device registers"), allwinner);
        String rockchip = boot("rk3328-rock64.dtb", null, false).failure().orElseThrow();
        assertTrue(rockchip.contains("e.g. --mem 1G@0x0 "), rockchip);
    }

    @Test
    void fvpVramPoolOutsideRamIsReservedAndSaysWhatIsNotSimulated() {
        BootResult r = boot("fvp-base-revc.dtb", null, true);
        assertTrue(r.ok());
        List<String> kernel = r.log().kernelText();
        assertTrue(kernel.contains("Reserved memory: created DMA memory pool at 0x0000000018000000, size 8 MiB"), String.join("\n", kernel));
        assertTrue(kernel.contains("OF: reserved mem: initialized node vram@18000000, compatible id shared-dma-pool"));
        assertTrue(r.log().lines().stream().anyMatch(l -> l.level() == LogLine.Level.DMASIM
            && l.text().startsWith("dma_init_coherent_memory(0x18000000, 0x800000) for vram@18000000: the region is not RAM;")
            && l.text().contains("Linux memremaps it write-combined")));
    }

    /**
     * Juno r0's {@code register-bit-led} children share one {@code reg} and differ by {@code mask};
     * of_device_make_bus_id adds the mask's lowest set bit to each name ({@code 1c010008.0.led},
     * {@code 1c010008.1.led}, ...), so all of them register and the boot completes.
     */
    @Test
    void junoBootsWithItsLedsNamedByMask() {
        BootResult full = boot("juno.dtb", null, true);
        assertTrue(full.ok(), () -> full.failure().orElse(""));
        assertTrue(full.log().kernelText().contains("  DMA      [mem 0x0000000080000000-0x00000000ffffffff]"),
            String.join("\n", full.log().kernelText()));
        List<String> leds = full.lookup(DmaApi.class).orElseThrow().devices().stream()
            .map(org.dmasim.api.device.DmaDevice::name).filter(n -> n.startsWith("1c010008.")).sorted().toList();
        assertEquals(List.of("1c010008.0.led", "1c010008.1.led", "1c010008.2.led", "1c010008.3.led",
            "1c010008.4.led", "1c010008.5.led", "1c010008.6.led", "1c010008.7.led"), leds);
    }
}
