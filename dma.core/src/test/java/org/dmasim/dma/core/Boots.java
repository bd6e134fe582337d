package org.dmasim.dma.core;

import java.util.Map;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;

/** Boots a shipped profile with every backend and dma.core, without a framework. */
final class Boots {
    private Boots() {
    }

    /** {@code keyValues}: configuration overrides as key, value, key, value ... */
    static BootResult boot(String profile, String... keyValues) {
        return Platforms.bootProfile(profile, Platforms.overrides(keyValues), new DmaCoreBoot());
    }

    /**
     * Boots qemu-virt-arm64 with a device tree from this module's test resources instead of the
     * profile's ({@code dts/NAME}).
     */
    static BootResult bootDts(String resource, String... keyValues) {
        Map<String, Object> overrides = Platforms.overrides(keyValues);
        overrides.put("dtb", Platforms.resourceFile(Boots.class, "/dts/" + resource));
        return Platforms.bootProfile("qemu-virt-arm64", overrides, new DmaCoreBoot());
    }

    static DmaApi dma(BootResult r) {
        return r.lookup(DmaApi.class).orElseThrow();
    }
}
