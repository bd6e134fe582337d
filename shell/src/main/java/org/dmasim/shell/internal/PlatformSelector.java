package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.platform.Platform;

/** Picks the platform a command works on: the named one, or the only one. */
final class PlatformSelector {
    private PlatformSelector() {
    }

    static Platform select(List<Platform> platforms, String name) {
        List<Platform> all = new ArrayList<>(platforms == null ? List.of() : platforms);
        all.sort(Comparator.comparing(Platform::name));
        String names = all.stream().map(Platform::name).collect(Collectors.joining(", "));
        if (name == null || name.isEmpty()) {
            if (all.size() == 1) {
                return all.get(0);
            }
            if (all.isEmpty()) {
                throw new IllegalStateException("no platform exists (create an org.dmasim.platform"
                    + " configuration, or start dmasim with boot/run/shell)");
            }
            throw new IllegalArgumentException("several platforms exist (" + names + "): name one with -p NAME");
        }
        return all.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() ->
            new IllegalArgumentException("no platform named '" + name + "' (platforms: "
                + (all.isEmpty() ? "none" : names) + ")"));
    }

    /** The platform's device of that name, or an error listing the devices. */
    static DmaDevice device(DmaApi api, String name) {
        return api.device(name).orElseThrow(() -> new IllegalArgumentException("no device '" + name + "' (devices: "
            + api.devices().stream().map(DmaDevice::name).toList() + ")"));
    }

    /** A facility of a booted platform, or an error naming what is missing. */
    static <T> T facility(Platform p, Class<T> type, String backend) {
        if (p.state() != Platform.State.BOOTED) {
            throw new IllegalStateException("platform '" + p.name() + "' is " + p.state()
                + p.failure().map(f -> ": " + f).orElse("") + " (the command needs a BOOTED platform)");
        }
        return p.lookup(type).orElseThrow(() -> new IllegalStateException(
            "platform '" + p.name() + "' has no " + backend + " backend (is the org.dmasim." + backend
                + " bundle active?)"));
    }
}
