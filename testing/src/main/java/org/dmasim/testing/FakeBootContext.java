package org.dmasim.testing;

import java.util.ArrayList;
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
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.PlatformSpec;

/**
 * The blackboard of one boot, for running a backend's boot phases in a plain unit test: the
 * spec, a log, what earlier phases published ({@link #put} it yourself to stand in for them),
 * and optionally a memblock. Reserved-memory regions, their handlers and the early-parameter
 * handlers are whatever the test adds.
 */
public final class FakeBootContext implements BootContext {
    private final PlatformSpec spec;
    private final Memblock memblock;
    private final BootLog log = new BootLog();
    private final Map<Class<?>, Object> published = new ConcurrentHashMap<>();
    private final List<ReservedMem> reservedMem = new ArrayList<>();
    private final List<ReservedMemHandler> handlers = new ArrayList<>();
    private final List<EarlyParam> earlyParams = new ArrayList<>();
    private boolean earlyParamsDone;

    /** A context without memblock: for the phases after {@code memblock_free_all()}. */
    public FakeBootContext(PlatformSpec spec) {
        this(spec, null);
    }

    public FakeBootContext(PlatformSpec spec, Memblock memblock) {
        this.spec = spec;
        this.memblock = memblock;
    }

    @Override
    public PlatformSpec spec() {
        return spec;
    }

    @Override
    public Memblock memblock() {
        if (memblock == null) {
            throw new UnsupportedOperationException("this test's boot context has no memblock (it stands for a phase"
                + " after memblock_free_all)");
        }
        return memblock;
    }

    /** Adds early-parameter handlers for {@link #parseEarlyParams()} (a participant's {@code earlyParams}). */
    public FakeBootContext addEarlyParams(List<EarlyParam> params) {
        earlyParams.addAll(params);
        return this;
    }

    /**
     * {@code parse_early_param()} over the handlers added: once, every parameter in command-line
     * order through {@link EarlyParam#dispatch}, as the platform runs them.
     */
    @Override
    public void parseEarlyParams() {
        if (earlyParamsDone) {
            return;
        }
        earlyParamsDone = true;
        for (KernelCmdline.Param p : spec.cmdline().params()) {
            EarlyParam.dispatch(p, earlyParams, this);
        }
    }

    @Override
    public BootLog log() {
        return log;
    }

    @Override
    public List<ReservedMem> reservedMem() {
        return List.copyOf(reservedMem);
    }

    /** Adds a reserved-memory region, as the /reserved-memory scan would. */
    public FakeBootContext addReservedMem(ReservedMem rmem) {
        reservedMem.add(rmem);
        return this;
    }

    @Override
    public List<ReservedMemHandler> reservedMemHandlers(String compatible) {
        return handlers.stream().filter(h -> h.compatible().equals(compatible)).toList();
    }

    /** Registers a reserved-memory handler (handlers are kept in the order added). */
    public FakeBootContext addHandler(ReservedMemHandler handler) {
        handlers.add(handler);
        return this;
    }

    @Override
    public <T> Optional<T> get(Class<T> type) {
        return Optional.ofNullable(type.cast(published.get(type)));
    }

    @Override
    public <T> void put(Class<T> type, T value) {
        published.put(type, value);
    }

    /** Everything published so far, by type. */
    public Map<Class<?>, Object> published() {
        return Map.copyOf(published);
    }
}
