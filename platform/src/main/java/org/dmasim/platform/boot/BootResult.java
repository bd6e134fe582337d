package org.dmasim.platform.boot;

import java.util.Map;
import java.util.Optional;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.platform.BootLog;

/** The outcome of a boot: the log, what the backends published, or why it failed. */
public final class BootResult {
    private final BootLog log;
    private final String failure;
    private final Map<Class<?>, Object> published;
    private final Memblock memblock;

    private BootResult(BootLog log, String failure, Map<Class<?>, Object> published, Memblock memblock) {
        this.log = log;
        this.failure = failure;
        this.published = published;
        this.memblock = memblock;
    }

    static BootResult booted(BootLog log, Map<Class<?>, Object> published, Memblock memblock) {
        return new BootResult(log, null, published, memblock);
    }

    static BootResult failed(BootLog log, String failure, Map<Class<?>, Object> published) {
        return new BootResult(log, failure, published, null);
    }

    public BootLog log() {
        return log;
    }

    public boolean ok() {
        return failure == null;
    }

    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    public <T> Optional<T> lookup(Class<T> type) {
        return Optional.ofNullable(type.cast(published.get(type)));
    }

    public Optional<Memblock> memblock() {
        return Optional.ofNullable(memblock);
    }
}
