package org.dmasim.devices;

import java.util.HashMap;
import java.util.Map;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.mm.slab.SlabBoot;
import org.dmasim.platform.oracle.BootedPlatform;
import org.dmasim.platform.oracle.Platforms;

/** Shipped profiles booted with dma.core and kmalloc, as the Platform service a driver probes on. */
final class Boards {
    private Boards() {
    }

    static BootedPlatform boot(String profile, String... keyValues) {
        Map<String, Object> overrides = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            overrides.put(keyValues[i], keyValues[i + 1]);
        }
        return new BootedPlatform(profile, Platforms.bootProfile(profile, overrides, new DmaCoreBoot(), new SlabBoot()));
    }

    static DmaApi dma(BootedPlatform p) {
        return p.lookup(DmaApi.class).orElseThrow();
    }

    /** pc-x86_64 with a PCI device {@code name} (x86: always coherent). */
    static BootedPlatform x86(String name) {
        BootedPlatform p = boot("pc-x86_64");
        DmaDevice d = dma(p).createDevice(DeviceSpec.pci(name));
        return p;
    }
}
