package org.dmasim.platform.boot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.platform.BootLog;

/** The outcome of a boot: the log, what the backends published, or why it failed. */
public final class BootResult {
    private final BootLog log;
    private final String failure;
    private final Map<Class<?>, Object> published;
    private final Throwable unexpected;

    private BootResult(BootLog log, String failure, Map<Class<?>, Object> published, Throwable unexpected) {
        this.log = log;
        this.failure = failure;
        this.published = published;
        this.unexpected = unexpected;
    }

    static BootResult booted(BootLog log, Map<Class<?>, Object> published) {
        return new BootResult(log, null, published, null);
    }

    static BootResult failed(BootLog log, String failure, Map<Class<?>, Object> published) {
        return new BootResult(log, failure, published, null);
    }

    static BootResult unexpected(BootLog log, String failure, Throwable cause, Map<Class<?>, Object> published) {
        return new BootResult(log, failure, published, cause);
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

    /**
     * What stopped the boot when it was not bad input: a defect in dmasim that some input
     * reached. The user sees {@link #failure()}; tests assert this is empty.
     */
    public Optional<Throwable> unexpected() {
        return Optional.ofNullable(unexpected);
    }

    public <T> Optional<T> lookup(Class<T> type) {
        return Optional.ofNullable(type.cast(published.get(type)));
    }

    /**
     * Stops what the backends started for this boot (worker threads of the atomic pools and
     * the like): every published facility that is {@link AutoCloseable}. Called when the
     * platform re-boots or goes away; failures are reported, not thrown, so all get closed.
     */
    public List<String> close() {
        List<String> problems = new ArrayList<>();
        for (Object facility : published.values()) {
            if (facility instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    problems.add(facility.getClass().getSimpleName() + ": " + e);
                }
            }
        }
        return problems;
    }
}
