package org.dmasim.platform.boards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DmaRanges;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.dmasim.platform.profile.SpecBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Debian's real board trees (test resources {@code boards/}) booted with Linux 6.12, each checked
 * against the 6.12 rules rather than against recorded lines: the DMA zone ends at the tree's
 * exact dma-ranges limit (kept below 4 GiB when RAM starts there), every reserved-memory region
 * is announced (or the tree's lack of any), and arm64 always has a swiotlb, 1 MiB per GiB of RAM
 * when no RAM lies beyond the DMA limit.
 */
class RealBoardTreesOn612Test {
    static Path board(String file) {
        try {
            return Path.of(RealBoardTreesOn612Test.class.getClassLoader().getResource("boards/" + file).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static PlatformSpec spec(String file, String mem, String kernel) {
        Map<String, Object> c = new HashMap<>();
        c.put(PlatformConfig.PROFILE, "arm64-board");
        c.put(PlatformConfig.DTB, board(file).toString());
        c.put(PlatformConfig.KERNEL, kernel);
        if (mem != null) {
            c.put(PlatformConfig.MEM, mem);
        }
        return SpecBuilder.build(c);
    }

    static BootResult boot(String file, String mem, String kernel) {
        return Platforms.boot(spec(file, mem, kernel));
    }

    /** Every real tree, with the --mem it needs (null: its memory node). */
    static Stream<Arguments> boards() {
        return Stream.of(
            Arguments.of("bcm2837-rpi-3-b.dtb", null),
            Arguments.of("meson-gxl-s905x-libretech-cc.dtb", null),
            Arguments.of("rk3328-rock64.dtb", "1G@0x0"),
            Arguments.of("sun50i-a64-pine64-plus.dtb", "1G@0x40000000"),
            Arguments.of("imx8mn-bsh-smm-s2.dtb", null),
            Arguments.of("fvp-base-revc.dtb", null),
            Arguments.of("sm6125-sony-xperia-seine-pdx201.dtb", "4G@0x40000000"),
            Arguments.of("armada-3720-espressobin.dtb", null),
            Arguments.of("k3-am625-sk.dtb", null),
            Arguments.of("tegra132-norrin.dtb", null),
            Arguments.of("zynqmp-zc1275-revA.dtb", null),
            Arguments.of("juno.dtb", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("boards")
    void bootsByThe612Rules(String file, String mem) {
        PlatformSpec spec = spec(file, mem, "6.12");
        BootResult r = Platforms.boot(spec);
        assertTrue(r.ok(), () -> file + ": " + r.failure().orElse("") + "\n" + String.join("\n", r.log().kernelText()));
        for (LogLine l : r.log().lines()) {
            assertFalse(l.text().contains("internal error") || l.text().contains("Exception"), file + ": " + l.text());
        }
        List<String> kernel = r.log().kernelText();
        DeviceTree dt = spec.deviceTree().orElseThrow();

        // the DMA zone: the exact dma-ranges limit, at most 4 GiB - 1 when RAM starts below 4 GiB
        ZoneLimits limits = r.lookup(ZoneLimits.class).orElseThrow();
        long ramStart = firstZoneStart(r);
        long ramEnd = Page.pfnPhys(limits.maxZonePfn(org.dmasim.api.mm.ZoneType.NORMAL));
        long limit = DmaRanges.maxCpuAddress(dt.root());
        if (Long.compareUnsigned(ramStart, 0xffffffffL) < 0 && Long.compareUnsigned(limit, 0xffffffffL) > 0) {
            limit = 0xffffffffL;
        }
        long expectedEnd = Long.compareUnsigned(limit, ramEnd - 1) < 0 ? limit + 1 : ramEnd;
        assertEquals(expectedEnd, limits.dmaPhysLimit(), file + ": arm64_dma_phys_limit");

        // reserved memory: announced, region by region, or its absence
        Optional<DtNode> rm = dt.find("/reserved-memory");
        assertEquals(rm.isEmpty(), kernel.contains("OF: reserved mem: Reserved memory: No reserved-memory node in the DT"),
            file);
        for (String line : kernel) {
            if (line.startsWith("OF: reserved mem: initialized node ")) {
                String name = line.substring("OF: reserved mem: initialized node ".length(), line.indexOf(", compatible"));
                int at = kernel.indexOf(line);
                assertTrue(kernel.get(at + 1).matches("OF: reserved mem: 0x[0-9a-f]{16}\\.\\.0x[0-9a-f]{16} \\(\\d+ KiB\\)"
                    + " (map|nomap) (reusable|non-reusable) " + java.util.regex.Pattern.quote(name)),
                    file + ": " + kernel.get(at + 1));
            }
        }

        // swiotlb: always; 1 MiB per GiB when only kmalloc bouncing needs it
        long pool = r.lookup(SwiotlbPool.class).map(SwiotlbPool::nslabs).orElse(0L) << SwiotlbPool.IO_TLB_SHIFT;
        if (Long.compareUnsigned(ramEnd, limits.dmaPhysLimit()) > 0) {
            assertEquals(64L << 20, pool, file + ": RAM beyond the DMA limit: the 64 MiB default");
            assertTrue(kernel.stream().noneMatch(l -> l.contains("bounce buffer size adjusted to")), file);
        } else {
            assertTrue(kernel.stream().anyMatch(l -> l.startsWith("software IO TLB: SWIOTLB bounce buffer size adjusted to ")),
                file);
            assertTrue(pool > 0 && pool <= 4L << 20, file + ": a pool of " + pool + " bytes");
        }
    }

    private static long firstZoneStart(BootResult r) {
        for (String l : r.log().kernelText()) {
            if (l.startsWith("Initmem setup node 0 [mem ")) {
                return Long.decode(l.substring("Initmem setup node 0 [mem ".length(), l.indexOf('-')));
            }
        }
        throw new AssertionError("no Initmem line");
    }

    /**
     * Raspberry Pi 3: its soc's dma-ranges end at 0x3effffff. 6.1 made that 30 bits, so ZONE_DMA
     * covered the whole GiB of RAM; 6.12 ends ZONE_DMA there, which puts the last 16 MiB in
     * ZONE_DMA32, RAM beyond the DMA limit (the 64 MiB swiotlb) and the tree's 64 MiB CMA area,
     * placed at the top of RAM, across the zone boundary: it cannot be activated.
     */
    @Test
    void raspberryPi3LosesItsCmaAreaToTheNarrowerDmaZone() {
        BootResult old = boot("bcm2837-rpi-3-b.dtb", null, "6.1");
        assertTrue(old.log().kernelText().contains("  DMA      [mem 0x0000000000000000-0x000000003fffffff]"));
        assertTrue(old.log().kernelText().stream().noneMatch(l -> l.contains("could not be activated")));

        List<String> k = boot("bcm2837-rpi-3-b.dtb", null, "6.12").log().kernelText();
        assertTrue(k.contains("  DMA      [mem 0x0000000000000000-0x000000003effffff]"), String.join("\n", k));
        assertTrue(k.contains("  DMA32    [mem 0x000000003f000000-0x000000003fffffff]"));
        assertTrue(k.contains("OF: reserved mem: 0x000000003c000000..0x000000003fffffff (65536 KiB) map reusable linux,cma"));
        assertTrue(k.contains("cma: CMA area linux,cma could not be activated"));
        assertTrue(k.contains("software IO TLB: mapped [mem 0x0000000036b80000-0x000000003ab80000] (64MB)"));
    }
}
