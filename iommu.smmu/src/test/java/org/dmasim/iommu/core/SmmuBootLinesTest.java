package org.dmasim.iommu.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.iommu.smmu.SmmuBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.junit.jupiter.api.Test;

/**
 * The SMMUv3 boot of the real kernel (oracle case {@code a64-4G-smmuv3}: QEMU's tree with the
 * SMMU, Debian 12's 6.1) still prints its selected lines character for character with the SMMU
 * backend taking part, and the command line's IOMMU choices reach the groups: lazy gives DMA-FQ
 * domains, passthrough identity ones (the device stays on dma-direct).
 */
class SmmuBootLinesTest {
    private static Path oracleCase() throws URISyntaxException {
        return Path.of(SmmuBootLinesTest.class.getClassLoader().getResource("oracle/linux-6.1/a64-4G-smmuv3").toURI());
    }

    private static BootResult boot(String cmdline) throws Exception {
        Path dir = oracleCase();
        Map<String, Object> c = new HashMap<>();
        c.put(PlatformConfig.ARCH, "arm64");
        c.put(PlatformConfig.DTB, dir.resolve("board.dts").toString());
        c.put(PlatformConfig.CMDLINE, cmdline);
        BootResult r = Platforms.boot(org.dmasim.platform.profile.SpecBuilder.build(c), new DmaCoreBoot(), new SmmuBoot());
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        return r;
    }

    @Test
    void theRealKernelsSelectedLinesAreUnchangedWithTheSmmuProbed() throws Exception {
        Path dir = oracleCase();
        BootResult r = boot(Files.readString(dir.resolve("cmdline")).strip());
        List<String> expected = Files.readAllLines(dir.resolve("expected"), StandardCharsets.UTF_8);
        assertEquals(expected, r.log().keyLines());
        List<String> text = r.log().kernelText();
        assertTrue(text.contains("arm-smmu-v3 9050000.smmuv3: ias 44-bit, oas 44-bit (features 0x00008305)"), "probed");
        assertEquals(1, r.lookup(Iommu.class).orElseThrow().units().size());
    }

    @Test
    void lazyAndPassthroughFromTheCommandLineReachTheDomains() throws Exception {
        BootResult lazy = boot("console=ttyAMA0 iommu.strict=0");
        assertTrue(lazy.log().keyLines().contains("iommu: DMA domain TLB invalidation policy: lazy mode (set via kernel"
            + " command line)"));
        DmaApi dma = lazy.lookup(DmaApi.class).orElseThrow();
        dma.createDevice(org.dmasim.api.dma.DeviceSpec.pci("0000:00:02.0"));
        Iommu iommu = lazy.lookup(Iommu.class).orElseThrow();
        assertEquals("DMA-FQ", iommu.readGroupType(0));

        BootResult pt = boot("console=ttyAMA0 iommu.passthrough=1");
        assertTrue(pt.log().keyLines().contains("iommu: Default domain type: Passthrough (set via kernel command line)"));
        assertTrue(pt.log().keyLines().stream().noneMatch(l -> l.contains("invalidation policy")));
        DmaApi ptDma = pt.lookup(DmaApi.class).orElseThrow();
        var edu = ptDma.createDevice(org.dmasim.api.dma.DeviceSpec.pci("0000:00:02.0"));
        assertEquals("identity", pt.lookup(Iommu.class).orElseThrow().readGroupType(0));
        assertTrue(ptDma.dmaOps(edu).isEmpty(), "identity: dma-direct");
    }

    /**
     * Bad parameter values get the kernel's reactions and change nothing: a malformed
     * {@code iommu.forcedac=} is an early option the kernel calls malformed (the 32-bit-first rule
     * stays), a value the bool module parameter refuses is reported and {@code disable_bypass}
     * keeps its default.
     */
    @Test
    void badParameterValuesAreReportedAndChangeNothing() throws Exception {
        BootResult r = boot("console=ttyAMA0 iommu.forcedac=maybe arm_smmu_v3.disable_bypass=sometimes");
        List<String> text = r.log().kernelText();
        assertTrue(text.contains("Malformed early option 'iommu.forcedac'"), String.join("\n", text));
        assertTrue(text.contains("Booting kernel: `sometimes' invalid for parameter `arm_smmu_v3.disable_bypass'"),
            String.join("\n", text));
        assertTrue(text.stream().noneMatch(l -> l.contains("Forcing DAC")));
        DmaApi dma = r.lookup(DmaApi.class).orElseThrow();
        var edu = dma.createDevice(org.dmasim.api.dma.DeviceSpec.pci("0000:00:02.0"));
        assertEquals(0, dma.setMaskAndCoherent(edu, -1L));
        long pfn = r.lookup(org.dmasim.api.mm.PageAllocator.class).orElseThrow().allocPages(
            org.dmasim.api.mm.Gfp.GFP_KERNEL, 0);
        assertEquals(0xfffff000L, dma.mapPage(edu, pfn, 0, 4096, org.dmasim.api.dma.DmaDirection.TO_DEVICE, 0)
            .value(), "no forcedac: 32-bit first");
    }
}
