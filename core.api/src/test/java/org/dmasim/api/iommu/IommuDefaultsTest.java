package org.dmasim.api.iommu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The boot lines iommu_subsys_init prints for each decision, and the decisions it can reach. */
class IommuDefaultsTest {
    @Test
    void kconfigStrictPrintsBothLinesWithTheKernelsTrailingSpace() {
        assertEquals(List.of("iommu: Default domain type: Translated ", "iommu: DMA domain TLB invalidation policy: strict mode "),
            new IommuDefaults(DomainType.DMA, true, false, false).bootLines());
    }

    @Test
    void lazyFromTheCommandLineSaysSo() {
        assertEquals(List.of("iommu: Default domain type: Translated ",
            "iommu: DMA domain TLB invalidation policy: lazy mode (set via kernel command line)"),
            new IommuDefaults(DomainType.DMA_FQ, false, false, true).bootLines());
    }

    @Test
    void passthroughPrintsOnlyTheTypeLine() {
        IommuDefaults pt = new IommuDefaults(DomainType.IDENTITY, false, true, false);
        assertTrue(pt.passthrough());
        assertEquals(List.of("iommu: Default domain type: Passthrough (set via kernel command line)"), pt.bootLines());
    }

    @Test
    void aTranslatedTypeThatContradictsThePolicyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new IommuDefaults(DomainType.DMA_FQ, true, false, false));
        assertThrows(IllegalArgumentException.class, () -> new IommuDefaults(DomainType.DMA, false, false, false));
        assertThrows(NullPointerException.class, () -> new IommuDefaults(null, true, false, false));
    }
}
