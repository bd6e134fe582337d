package org.dmasim.dma.core;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Arrays;
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

    /**
     * Boots qemu-virt-arm64 with a device tree from this module's test resources instead of the
     * profile's ({@code dts/NAME}).
     */
    static BootResult bootDts(String resource, String... keyValues) {
        URL url = Boots.class.getResource("/dts/" + resource);
        if (url == null) {
            throw new IllegalArgumentException("no test resource dts/" + resource);
        }
        String[] kv = Arrays.copyOf(keyValues, keyValues.length + 2);
        try {
            kv[keyValues.length] = "dtb";
            kv[keyValues.length + 1] = Path.of(url.toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(url.toString(), e);
        }
        return boot("qemu-virt-arm64", kv);
    }

    static DmaApi dma(BootResult r) {
        return r.lookup(DmaApi.class).orElseThrow();
    }
}
