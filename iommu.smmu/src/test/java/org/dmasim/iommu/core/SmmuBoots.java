package org.dmasim.iommu.core;

import java.util.Map;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.iommu.smmu.SmmuBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;

/** Boots a shipped profile with dma.core and the SMMUv3 backend, without a framework. */
final class SmmuBoots {
    private SmmuBoots() {
    }

    /** {@code keyValues}: configuration overrides as key, value, key, value ... */
    static BootResult boot(String profile, String... keyValues) {
        return boot(profile, Platforms.overrides(keyValues));
    }

    static BootResult boot(String profile, Map<String, Object> overrides) {
        return Platforms.bootProfile(profile, overrides, new DmaCoreBoot(), new SmmuBoot());
    }

    static DmaApi dma(BootResult r) {
        return r.lookup(DmaApi.class).orElseThrow();
    }

    static Iommu iommu(BootResult r) {
        return r.lookup(Iommu.class).orElseThrow();
    }
}
