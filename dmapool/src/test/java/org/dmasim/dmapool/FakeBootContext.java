package org.dmasim.dmapool;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.PlatformSpec;

/** A boot blackboard for the DEVICES phase only. */
final class FakeBootContext implements BootContext {
    private final PlatformSpec spec;
    private final BootLog log = new BootLog();
    private final Map<Class<?>, Object> published = new HashMap<>();

    FakeBootContext(Kconfig kconfig, Map<String, String> options) {
        spec = new PlatformSpec("t", Arch.ARM64, Optional.empty(), List.of(), List.of(), KernelCmdline.parse(""), kconfig,
            1, options);
    }

    @Override
    public PlatformSpec spec() {
        return spec;
    }

    @Override
    public Memblock memblock() {
        throw new UnsupportedOperationException("not used in phase DEVICES by dmapool");
    }

    @Override
    public BootLog log() {
        return log;
    }

    @Override
    public List<ReservedMem> reservedMem() {
        return List.of();
    }

    @Override
    public List<ReservedMemHandler> reservedMemHandlers(String compatible) {
        return List.of();
    }

    @Override
    public <T> Optional<T> get(Class<T> type) {
        return Optional.ofNullable(type.cast(published.get(type)));
    }

    @Override
    public <T> void put(Class<T> type, T value) {
        published.put(type, value);
    }
}
