package org.dmasim.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kconfig defaults per kernel and architecture, as the shipped data files give them. */
class KconfigTest {
    private static final KernelVersion V61 = KernelVersion.parse("6.1");
    private static final KernelVersion V612 = KernelVersion.parse("6.12");

    @Test
    void theModelledKernelsAndTheDefault() {
        assertEquals(List.of(V61, V612), Kconfig.kernels());
        assertEquals(V61, Kconfig.defaultKernel());
        assertEquals("Debian 12, 6.1.192", Kconfig.build(V61));
        assertEquals("Debian 12 backports, 6.12.95", Kconfig.build(V612));
        assertEquals(V61, Kconfig.defaults(Arch.ARM64).kernel());
    }

    @Test
    void whatChangedFrom61To612() {
        Map<String, String> a61 = Kconfig.defaults(Arch.ARM64, V61).values();
        Map<String, String> a612 = Kconfig.defaults(Arch.ARM64, V612).values();
        assertEquals("19", a61.get("CMA_AREAS"));
        assertEquals("20", a612.get("CMA_AREAS"));
        assertEquals("y", a61.get("DMA_PERNUMA_CMA"));
        assertFalse(a612.containsKey("DMA_PERNUMA_CMA"));
        assertEquals("n", a612.get("DMA_NUMA_CMA"));
        assertEquals("n", a612.get("SWIOTLB_DYNAMIC"));
        assertEquals("y", a612.get("DMA_BOUNCE_UNALIGNED_KMALLOC"));
        assertFalse(a61.containsKey("DMA_BOUNCE_UNALIGNED_KMALLOC"));
        assertEquals("n", a61.get("ZONE_DEVICE"));
        assertEquals("y", a612.get("ZONE_DEVICE"));
        assertEquals("n", a612.get("DMAPOOL_TEST"));
        assertFalse(a612.containsKey("DEBUG_SLAB"), "SLAB is gone in 6.12");
        Map<String, String> x612 = Kconfig.defaults(Arch.X86_64, V612).values();
        assertEquals("n", x612.get("CMA"));
        assertEquals("n", x612.get("DMA_BOUNCE_UNALIGNED_KMALLOC"));
        assertEquals("y", x612.get("IOMMU_DEFAULT_DMA_LAZY"));
        // what is the same
        for (String k : List.of("CMA", "DMA_CMA", "CMA_SIZE_MBYTES", "CMA_ALIGNMENT", "ZONE_DMA", "ZONE_DMA32",
            "SWIOTLB", "DMA_COHERENT_POOL", "DMA_DIRECT_REMAP", "IOMMU_DEFAULT_DMA_STRICT")) {
            assertEquals(a61.get(k), a612.get(k), k);
        }
    }

    @Test
    void anOptionTheKernelLacksIsRefusedNamingTheKernel() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> Kconfig.defaults(Arch.ARM64, V61).with("DMA_BOUNCE_UNALIGNED_KMALLOC", "n"));
        assertTrue(e.getMessage().startsWith("kconfig DMA_BOUNCE_UNALIGNED_KMALLOC: unknown option of Linux 6.1"),
            e.getMessage());
        assertEquals("n", Kconfig.defaults(Arch.ARM64, V612).with("CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC", "n").values()
            .get("DMA_BOUNCE_UNALIGNED_KMALLOC"));
        assertThrows(InvalidInputException.class, () -> Kconfig.defaults(Arch.ARM64, KernelVersion.parse("5.10")));
    }

    @Test
    void versionsParseAndOrder() {
        assertEquals(V612, KernelVersion.parse("v6.12"));
        assertEquals(V612, KernelVersion.parse("Linux 6.12"));
        assertTrue(V61.compareTo(V612) < 0, "6.1 < 6.12 numerically, not as text");
        assertThrows(InvalidInputException.class, () -> KernelVersion.parse("6"));
        assertThrows(InvalidInputException.class, () -> KernelVersion.parse(null));
    }
}
