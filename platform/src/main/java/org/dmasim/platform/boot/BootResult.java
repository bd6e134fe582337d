package org.dmasim.platform.boot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.platform.BootLog;
import org.dmasim.platform.runtime.PlatformRuntime;

/** The outcome of a boot: the log, what the backends published, or why it failed. */
public final class BootResult {
    private final BootLog log;
    private final String failure;
    private final Map<Class<?>, Object> published;
    private final Throwable unexpected;
    private final PlatformRuntime runtime;
    private volatile String runtimeFailure;

    private BootResult(BootLog log, String failure, Map<Class<?>, Object> published, Throwable unexpected,
        PlatformRuntime runtime) {
        this.log = log;
        this.failure = failure;
        this.published = published;
        this.unexpected = unexpected;
        this.runtime = runtime;
    }

    static BootResult booted(BootLog log, Map<Class<?>, Object> published, PlatformRuntime runtime) {
        return new BootResult(log, null, published, null, runtime);
    }

    static BootResult failed(BootLog log, String failure, Map<Class<?>, Object> published) {
        return new BootResult(log, failure, published, null, null);
    }

    static BootResult unexpected(BootLog log, String failure, Throwable cause, Map<Class<?>, Object> published) {
        return new BootResult(log, failure, published, cause, null);
    }

    /**
     * The run-time half of a successful boot: the backend instances and the services they offer
     * once {@link #startRuntime} ran. Empty for a failed boot.
     */
    public Optional<PlatformRuntime> runtime() {
        return Optional.ofNullable(runtime);
    }

    /**
     * Starts every participant's run-time instance ({@link org.dmasim.api.boot.BootParticipant#start})
     * and publishes their services through {@code publisher}. A participant that fails there fails
     * the result ({@link #ok()} false afterwards).
     */
    public BootResult startRuntime(List<? extends org.dmasim.api.boot.BootParticipant> participants,
        org.dmasim.platform.runtime.Publisher publisher) {
        if (runtime != null && ok()) {
            runtime.publisher(publisher);
            runtimeFailure = runtime.start(participants).orElse(null);
        }
        return this;
    }

    public BootLog log() {
        return log;
    }

    public boolean ok() {
        return failure == null && runtimeFailure == null;
    }

    public Optional<String> failure() {
        return Optional.ofNullable(failure != null ? failure : runtimeFailure);
    }

    /**
     * What stopped the boot when it was not bad input: a defect in dmasim that some input
     * reached. The user sees {@link #failure()}; tests assert this is empty.
     */
    public Optional<Throwable> unexpected() {
        return Optional.ofNullable(unexpected);
    }

    /**
     * A run-time facility: the service a backend instance offers now for a type that backends
     * offer (empty while none is active), else what the boot published.
     */
    public <T> Optional<T> lookup(Class<T> type) {
        if (runtime != null && type == org.dmasim.api.backend.BackendInstances.class) {
            return Optional.of(type.cast(runtime));
        }
        if (runtime != null && runtime.offers(type)) {
            return runtime.active(type).map(s -> s.service());
        }
        return Optional.ofNullable(type.cast(published.get(type)));
    }

    /**
     * Stops what the backends started for this boot (worker threads of the atomic pools and
     * the like): every published facility that is {@link AutoCloseable}. Called when the
     * platform re-boots or goes away; failures are reported, not thrown, so all get closed.
     */
    public List<String> close() {
        List<String> problems = new ArrayList<>();
        if (runtime != null) {
            runtime.close();
        }
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
