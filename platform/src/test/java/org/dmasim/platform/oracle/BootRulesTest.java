package org.dmasim.platform.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boot rules beyond the oracle cases, and bad input: each either fails with a message naming
 * the input and the rule, or continues with the kernel's own warning.
 */
class BootRulesTest {
    @TempDir
    Path tmp;

    private static List<String> lines(BootResult r) {
        return r.log().kernelText();
    }

    @Test
    void cmaWithTrailingGarbageIsRejectedNamingTheValue() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.CMDLINE, "cma=12Q"));
        assertFalse(r.ok());
        assertTrue(r.failure().get().startsWith("cma=12Q: invalid size"), r.failure().get());
    }

    @Test
    void unalignedFixedCmaBasePrintsTheKernelErrorAndBootsWithoutCma() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.CMDLINE, "cma=64M@0x40100000"));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertTrue(lines(r).contains("cma: Region at 0x0000000040100000 must be aligned to 0x0000000000200000 bytes"));
        assertTrue(lines(r).contains("cma: Failed to reserve 64 MiB"));
        assertTrue(r.lookup(CmaAreas.class).get().defaultArea().isEmpty());
    }

    @Test
    void fixedCmaIsPlacedExactly() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.CMDLINE, "cma=32M@0x60000000"));
        assertTrue(lines(r).contains("cma: Reserved 32 MiB at 0x0000000060000000"), lines(r).toString());
    }

    @Test
    void cmaWindowIsFilledTopDown() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.CMDLINE, "cma=32M@0x50000000-0x60000000"));
        assertTrue(lines(r).contains("cma: Reserved 32 MiB at 0x000000005e000000"), lines(r).toString());
    }

    @Test
    void cmaAboveTheDmaLimitFails() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.CMDLINE, "cma=64M@0x100000000"));
        assertTrue(lines(r).stream().anyMatch(l -> l.startsWith("cma: Size (0x0000000004000000) of region at"
            + " 0x0000000100000000 exceeds limit (0x0000000100000000)")), lines(r).toString());
    }

    @Test
    void splitBoardTakesItsCmaFromTheReservedMemoryNodeInTheLowBank() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.PROFILE, "arm64-split-4g"));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        List<String> l = lines(r);
        assertTrue(l.contains("Reserved memory: created CMA memory pool at 0x00000000b8000000, size 128 MiB"), l.toString());
        assertTrue(l.contains("OF: reserved mem: initialized node linux,cma, compatible id shared-dma-pool"));
        assertTrue(l.contains("software IO TLB: area num 4."), l.toString());
        assertFalse(l.stream().anyMatch(s -> s.startsWith("cma: Reserved")));
    }

    @Test
    void overlappingReservedRegionsAreReportedAndBootContinues() throws Exception {
        Path dts = tmp.resolve("overlap.dts");
        Files.writeString(dts, "/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;\n"
            + " memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 1 0>; };\n"
            + " reserved-memory {\n  #address-cells = <2>;\n  #size-cells = <2>;\n  ranges;\n"
            + "  a@50000000 { reg = <0 0x50000000 0 0x400000>; no-map; };\n"
            + "  b@50200000 { reg = <0 0x50200000 0 0x400000>; };\n };\n};\n");
        BootResult r = Platforms.boot(Map.of(PlatformConfig.DTB, dts.toString()));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertTrue(lines(r).stream().anyMatch(l -> l.startsWith("OF: reserved mem: OVERLAP DETECTED!")), lines(r).toString());
    }

    @Test
    void nonReusablePoolWithoutDmaCoreIsGivenBack() throws Exception {
        // rmem_dma_setup is dma.core's (kernel/dma/coherent.c): without it only CMA's handler
        // sees the region, refuses it (not reusable), and the scan hands the no-map range back.
        Path dts = tmp.resolve("pool.dts");
        Files.writeString(dts, "/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;\n"
            + " memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 1 0>; };\n"
            + " reserved-memory {\n  #address-cells = <2>;\n  #size-cells = <2>;\n  ranges;\n"
            + "  pool@50000000 { compatible = \"shared-dma-pool\"; reg = <0 0x50000000 0 0x400000>; no-map; };\n"
            + " };\n};\n");
        BootResult r = Platforms.boot(Map.of(PlatformConfig.DTB, dts.toString()));
        List<String> l = lines(r);
        assertTrue(l.contains("OF: reserved mem: node pool@50000000 compatible matching fail"), l.toString());
        assertTrue(l.contains("  node   0: [mem 0x0000000040000000-0x000000013fffffff]"), l.toString());
        assertFalse(l.stream().anyMatch(x -> x.startsWith("Reserved memory: created DMA memory pool")), l.toString());
    }

    @Test
    void cmdlineCmaBypassesTheDeviceTreeDefaultArea() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.PROFILE, "arm64-split-4g", PlatformConfig.CMDLINE, "cma=64M"));
        List<String> l = lines(r);
        assertTrue(l.contains("Reserved memory: bypass linux,cma node, using cmdline CMA params instead"), l.toString());
        assertTrue(l.contains("OF: reserved mem: node linux,cma compatible matching fail"));
        assertTrue(l.contains("cma: Reserved 64 MiB at 0x00000000bc000000"), l.toString());
    }

    @Test
    void memBelowTheKernelsNeedsFailsOnBothArchitectures() {
        BootResult x86 = Platforms.boot(Map.of(PlatformConfig.ARCH, "x86_64", PlatformConfig.CMDLINE, "mem=32M"));
        assertFalse(x86.ok());
        assertTrue(x86.failure().get().startsWith("mem=32M: RAM ends at"), x86.failure().get());
        BootResult arm = Platforms.boot(Map.of(PlatformConfig.CMDLINE, "mem=16M"));
        assertFalse(arm.ok());
        assertTrue(arm.failure().get().startsWith("mem=16M: RAM"), arm.failure().get());
    }

    @Test
    void truncatedDtbFailsNamingTheFile() throws Exception {
        Path good = Path.of(getClass().getClassLoader().getResource("dt/a64-1G-default.dtb").toURI());
        byte[] bytes = Files.readAllBytes(good);
        Path cut = tmp.resolve("cut.dtb");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> Platforms.boot(Map.of(PlatformConfig.DTB, cut.toString())));
        assertTrue(e.getMessage().contains("cut.dtb: offset 0x4: totalsize"), e.getMessage());
    }

    @Test
    void swiotlbSlabCountThatIsNotAPowerOfTwoIsRoundedUpWithTheKernelsLine() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.CMDLINE, "swiotlb=3000"));
        assertTrue(lines(r).contains("software IO TLB: SWIOTLB bounce buffer size roundup to 8MB"), lines(r).toString());
        assertEquals(4096, r.lookup(SwiotlbPool.class).get().nslabs());
    }

    @Test
    void swiotlbNoforceOnX86WithHighRamReportsNoLowMem() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.ARCH, "x86_64", PlatformConfig.CMDLINE, "swiotlb=noforce"));
        assertTrue(lines(r).contains("software IO TLB: No low mem"), lines(r).toString());
    }

    @Test
    void passthroughFromTheCommandLineDropsThePolicyLine() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.CMDLINE, "iommu.passthrough=1"));
        assertTrue(lines(r).contains("iommu: Default domain type: Passthrough (set via kernel command line)"));
        assertFalse(lines(r).stream().anyMatch(l -> l.startsWith("iommu: DMA domain TLB")));
        BootResult lazy = Platforms.boot(Map.of(PlatformConfig.CMDLINE, "iommu.strict=0"));
        assertTrue(lines(lazy).contains("iommu: DMA domain TLB invalidation policy: lazy mode (set via kernel command line)"));
    }

    @Test
    void terabyteServerBoots() {
        BootResult r = Platforms.boot(Map.of(PlatformConfig.PROFILE, "server-x86_64-1t"));
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        assertTrue(lines(r).contains("  Normal   [mem 0x0000000100000000-0x000001003fffffff]"), lines(r).toString());
        assertTrue(lines(r).contains("software IO TLB: area num 64."));
        assertTrue(lines(r).contains("DMA: preallocated 4096 KiB GFP_KERNEL pool for atomic allocations"));
    }
}
