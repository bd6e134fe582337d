package org.dmasim.platform.oracle;

import java.util.Optional;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.platform.boot.BootResult;

/**
 * A platform booted without a framework ({@link Platforms}) seen as the {@link Platform} service
 * Felix would register, for code that takes a {@code Platform} (device models, sample drivers) in
 * other modules' unit tests.
 */
public final class BootedPlatform implements Platform {
    private final String name;
    private final BootResult boot;

    public BootedPlatform(String name, BootResult boot) {
        this.name = name;
        this.boot = boot;
    }

    public BootResult boot() {
        return boot;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public State state() {
        return boot.ok() ? State.BOOTED : State.FAILED;
    }

    @Override
    public Optional<String> failure() {
        return boot.failure();
    }

    /** Not kept by a boot without a framework. */
    @Override
    public PlatformSpec spec() {
        throw new UnsupportedOperationException("a platform booted by Platforms keeps no spec");
    }

    @Override
    public BootLog bootLog() {
        return boot.log();
    }

    @Override
    public <T> Optional<T> lookup(Class<T> type) {
        return boot.lookup(type);
    }
}
