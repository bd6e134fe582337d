package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.Gfp;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.dmasim.platform.profile.SpecBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rmem_dma_setup} as dma.core contributes it to the reserved-memory scan: a non-reusable
 * {@code shared-dma-pool} is claimed and announced in the kernel's words, a reusable one is left
 * to CMA, and the claimed region backs the per-device pool of the device that names it.
 */
class CoherentPoolReservedMemTest {
    @TempDir
    Path tmp;

    private BootResult boot(String reservedMemoryChildren, String devices) throws Exception {
        Path dts = tmp.resolve("board.dts");
        Files.writeString(dts, "/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;\n"
            + " memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 1 0>; };\n"
            + " reserved-memory {\n  #address-cells = <2>;\n  #size-cells = <2>;\n  ranges;\n"
            + reservedMemoryChildren + " };\n" + devices + "};\n");
        BootResult r = Platforms.boot(SpecBuilder.build(Map.of("dtb", dts.toString())), new DmaCoreBoot());
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        return r;
    }

    @Test
    void noMapPoolIsClaimedAnnouncedAndSplitsTheNodeRanges() throws Exception {
        BootResult r = boot("  pool@50000000 { compatible = \"shared-dma-pool\"; reg = <0 0x50000000 0 0x400000>;"
            + " no-map; };\n", "");
        List<String> l = r.log().kernelText();
        int created = l.indexOf("Reserved memory: created DMA memory pool at 0x0000000050000000, size 4 MiB");
        int initialized = l.indexOf("OF: reserved mem: initialized node pool@50000000, compatible id shared-dma-pool");
        assertTrue(created >= 0 && initialized == created + 1, l.toString());
        assertTrue(l.contains("  node   0: [mem 0x0000000040000000-0x000000004fffffff]"), l.toString());
        assertTrue(l.contains("  node   0: [mem 0x0000000050000000-0x00000000503fffff]"), l.toString());
        assertTrue(l.contains("  node   0: [mem 0x0000000050400000-0x000000013fffffff]"), l.toString());
    }

    @Test
    void reusablePoolIsLeftToCma() throws Exception {
        BootResult r = boot("  area@60000000 { compatible = \"shared-dma-pool\"; reg = <0 0x60000000 0 0x1000000>;"
            + " reusable; };\n", "");
        List<String> l = r.log().kernelText();
        assertTrue(l.contains("OF: reserved mem: initialized node area@60000000, compatible id shared-dma-pool"),
            l.toString());
        assertFalse(l.stream().anyMatch(x -> x.startsWith("Reserved memory: created DMA memory pool")), l.toString());
    }

    @Test
    void theClaimedRegionBacksThePoolOfTheDeviceThatNamesIt() throws Exception {
        BootResult r = boot("  pool: pool@50000000 { compatible = \"shared-dma-pool\"; reg = <0 0x50000000 0 0x400000>;"
            + " no-map; };\n", " dma-dev { compatible = \"test,dma-device\"; memory-region = <&pool>; };\n");
        DmaApi dma = r.lookup(DmaApi.class).orElseThrow();
        var dev = dma.device("dma-dev").orElseThrow();
        var buf = dma.allocCoherent(dev, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(CoherentSource.DEVICE_COHERENT_POOL, buf.source());
        assertEquals(0x50000000L, buf.phys());
    }
}
