package org.dmasim.api.iommu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The decisions iommu_subsys_init can reach (the lines it prints are the platform's, per kernel). */
class IommuDefaultsTest {
    @Test
    void passthroughIsTheIdentityType() {
        assertTrue(new IommuDefaults(DomainType.IDENTITY, false, true, false).passthrough());
        assertFalse(new IommuDefaults(DomainType.DMA, true, false, false).passthrough());
    }

    @Test
    void aTranslatedTypeThatContradictsThePolicyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new IommuDefaults(DomainType.DMA_FQ, true, false, false));
        assertThrows(IllegalArgumentException.class, () -> new IommuDefaults(DomainType.DMA, false, false, false));
        assertThrows(NullPointerException.class, () -> new IommuDefaults(null, true, false, false));
    }
}
