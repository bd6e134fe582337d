package org.dmasim.platform.boot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.EarlyParam;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.platform.memblock.MemblockImpl;

/** The blackboard of one boot: inputs, memblock, log and what each phase published. */
final class BootContextImpl implements BootContext {
    private final PlatformSpec spec;
    private final MemblockImpl memblock = new MemblockImpl();
    private final BootLog log = new BootLog();
    private final List<ReservedMem> reservedMem = new ArrayList<>();
    private final List<ReservedMemHandler> handlers;
    private final Map<Class<?>, Object> published = new ConcurrentHashMap<>();
    private final List<EarlyParam> earlyParams;
    private boolean earlyParamsDone;

    BootContextImpl(PlatformSpec spec, List<ReservedMemHandler> handlers, List<EarlyParam> earlyParams) {
        this.spec = spec;
        this.handlers = List.copyOf(handlers);
        this.earlyParams = List.copyOf(earlyParams);
    }

    @Override
    public void parseEarlyParams() {
        if (earlyParamsDone) {
            return;
        }
        earlyParamsDone = true;
        EarlyParams.parse(this, earlyParams);
    }

    @Override
    public PlatformSpec spec() {
        return spec;
    }

    @Override
    public Memblock memblock() {
        return memblock;
    }

    @Override
    public BootLog log() {
        return log;
    }

    @Override
    public List<ReservedMem> reservedMem() {
        return reservedMem;
    }

    @Override
    public List<ReservedMemHandler> reservedMemHandlers(String compatible) {
        List<ReservedMemHandler> out = new ArrayList<>();
        for (ReservedMemHandler h : handlers) {
            if (h.compatible().equals(compatible)) {
                out.add(h);
            }
        }
        out.sort(Comparator.comparingInt(ReservedMemHandler::rank));
        return out;
    }

    @Override
    public <T> Optional<T> get(Class<T> type) {
        return Optional.ofNullable(type.cast(published.get(type)));
    }

    @Override
    public <T> void put(Class<T> type, T value) {
        published.put(type, value);
    }

    Map<Class<?>, Object> published() {
        return published;
    }
}
