package org.dmasim.atomicpool;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.PlatformSpec;

/** The blackboard of a boot, without memblock (the atomic pools never touch it). */
final class FakeBootContext implements BootContext {
    private final PlatformSpec spec;
    private final BootLog log = new BootLog();
    private final Map<Class<?>, Object> published = new ConcurrentHashMap<>();

    FakeBootContext(PlatformSpec spec) {
        this.spec = spec;
    }

    @Override
    public PlatformSpec spec() {
        return spec;
    }

    @Override
    public Memblock memblock() {
        throw new UnsupportedOperationException("memblock is gone by postcore_initcall");
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
