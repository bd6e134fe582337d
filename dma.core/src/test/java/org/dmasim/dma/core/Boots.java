package org.dmasim.dma.core;

import java.util.HashMap;
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
        Map<String, Object> overrides = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            overrides.put(keyValues[i], keyValues[i + 1]);
        }
        return Platforms.bootProfile(profile, overrides, new DmaCoreBoot());
    }

    static DmaApi dma(BootResult r) {
        return r.lookup(DmaApi.class).orElseThrow();
    }
}
