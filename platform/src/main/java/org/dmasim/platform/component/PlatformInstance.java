package org.dmasim.platform.component;

import java.util.Optional;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.runtime.PlatformRuntime;

/** One boot attempt of a platform, as the {@link Platform} service shows it. */
final class PlatformInstance implements Platform {
    private final String name;
    private final PlatformSpec spec;
    private final State state;
    private final String failure;
    private final BootResult result;

    PlatformInstance(String name, PlatformSpec spec, State state, String failure, BootResult result) {
        this.name = name;
        this.spec = spec;
        this.state = state;
        this.failure = failure;
        this.result = result;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public PlatformSpec spec() {
        return spec;
    }

    @Override
    public BootLog bootLog() {
        return result == null ? new BootLog() : result.log();
    }

    @Override
    public <T> Optional<T> lookup(Class<T> type) {
        return result == null || state != State.BOOTED ? Optional.empty() : result.lookup(type);
    }

    /** The run-time half of a booted platform. */
    Optional<PlatformRuntime> runtime() {
        return result == null || state != State.BOOTED ? Optional.empty() : result.runtime();
    }

    /** Stops the boot's background work (see {@link BootResult#close()}). */
    void close() {
        if (result != null) {
            result.close();
        }
    }

    @Override
    public String toString() {
        return "platform " + name + " (" + state + ")";
    }
}
