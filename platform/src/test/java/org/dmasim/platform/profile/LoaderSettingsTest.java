package org.dmasim.platform.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.platform.boards.MemblockProbe;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The boot loader keys (kernel.base, dtb.base, dtb.size) as configuration and profile keys. */
class LoaderSettingsTest {
    @TempDir
    Path tmp;

    private final MemblockProbe probe = new MemblockProbe();

    BootResult boot(String... keyValues) {
        Map<String, Object> c = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            c.put(keyValues[i], keyValues[i + 1]);
        }
        return Platforms.boot(SpecBuilder.build(c), probe);
    }

    static String imageRemark(BootResult r) {
        return r.log().lines().stream().filter(l -> l.level() == LogLine.Level.DMASIM)
            .map(LogLine::text).filter(t -> t.startsWith("kernel Image at")).findFirst().orElseThrow();
    }

    @Test
    void qemuVirtKeepsQemusAddressesAndSaysSo() {
        BootResult r = boot();
        assertEquals("kernel Image at [mem 0x40200000-0x4220ffff]: start of RAM + 2 MiB, where QEMU's loader puts it;"
            + " device tree blob at [mem 0x48000000-0x480fffff]: 1048576 bytes (dtb.size = 1M)", imageRemark(r));
        assertTrue(probe.memblock().isRegionReserved(0x48000000L, 1 << 20));
        // the kernel reserves _stext.._end: the 64 KiB head below _stext stays free
        assertFalse(probe.memblock().isRegionReserved(0x40200000L, 0x10000));
    }

    @Test
    void kernelBaseAndDtbBaseAreObeyed() {
        BootResult r = boot(PlatformConfig.KERNEL_BASE, "0x50000000", PlatformConfig.DTB_BASE, "0x60000000",
            PlatformConfig.DTB_SIZE, "64K");
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertEquals("kernel Image at [mem 0x50000000-0x5200ffff]: given by kernel.base; device tree blob at"
            + " [mem 0x60000000-0x6000ffff]: 65536 bytes (dtb.size = 64K, dtb.base)", imageRemark(r));
        assertTrue(probe.memblock().isRegionReserved(0x50010000L, 0x2000000));
        assertFalse(probe.memblock().isRegionReserved(0x48000000L, 1 << 20));
    }

    @Test
    void aKernelBaseOffTheBootProtocolIsRefused() {
        BootResult r = boot(PlatformConfig.KERNEL_BASE, "0x40100000");
        assertEquals("kernel.base = 0x40100000: the Image must sit text_offset (0) bytes above a 2 MiB aligned base"
            + " (Documentation/arm64/booting.rst)", r.failure().orElseThrow());
        BootResult outside = boot(PlatformConfig.KERNEL_BASE, "0x10000000");
        assertTrue(outside.failure().orElseThrow().startsWith("kernel.base = 0x10000000: RAM [0x40000000-0x140000000)"
            + " cannot hold the kernel image at 0x10000000"), outside.failure().orElseThrow());
    }

    @Test
    void malformedValuesNameTheKeyAndTheChoices() {
        InvalidInputException base = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.KERNEL_BASE, "low")));
        assertEquals("kernel.base = low: expected 'auto' or a physical address such as 0x40200000", base.getMessage());
        InvalidInputException size = assertThrows(InvalidInputException.class,
            () -> SpecBuilder.build(Map.of(PlatformConfig.DTB_SIZE, "big")));
        assertEquals("dtb.size = big: expected 'file' (the blob's totalsize), 'qemu-dtb' ((file size + 10000) x 2, as"
            + " QEMU loads a -dtb file) or a size such as 1M", size.getMessage());
    }

    @Test
    void profilesCarryTheLoaderKeys() throws Exception {
        Path dts = tmp.resolve("board.dts");
        Files.writeString(dts, "/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;\n"
            + " chosen { bootargs = \"cma=16M\"; };\n"
            + " memory@80000000 { device_type = \"memory\"; reg = <0 0x80000000 0 0x40000000>; };\n};\n");
        Path profile = tmp.resolve("board.profile");
        Files.writeString(profile, "arch = arm64\ndtb = board.dts\ndtb.size = qemu-dtb\nkernel.base = 0x80400000\n");
        PlatformSpec spec = SpecBuilder.build(Map.of(PlatformConfig.PROFILE, profile.toString()));
        long compiled = org.dmasim.platform.dt.DtbWriter.write(spec.deviceTree().orElseThrow()).length;
        assertEquals((compiled + 10000) * 2, spec.loader().dtbSize());
        assertEquals(0x80400000L, spec.loader().kernelBase().getAsLong());
        // no cmdline in the profile, none given: the tree's bootargs
        assertEquals("cma=16M", spec.cmdline().raw());
        assertTrue(spec.loader().cmdlineRemark().startsWith("command line from /chosen/bootargs of " + dts));
        BootResult r = Platforms.boot(spec);
        // 1 GiB ending at 0xc0000000: about 2.1 MiB of early allocations, the 16 MiB memmap 2 MiB
        // aligned under them at 0xbec00000, CMA (cma=16M from bootargs) right under the memmap
        assertTrue(r.log().kernelText().contains("cma: Reserved 16 MiB at 0x00000000bdc00000"),
            String.join("\n", r.log().kernelText()));
    }
}
