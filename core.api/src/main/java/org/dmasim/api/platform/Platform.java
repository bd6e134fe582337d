package org.dmasim.api.platform;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A booted platform, registered as a service with {@code dmasim.platform=<name>}. Its
 * run-time services (page allocator, CMA, swiotlb, ...) carry the same property.
 */
@ProviderType
public interface Platform {
    /** Service property naming the platform every dmasim service belongs to. */
    String PLATFORM_PROPERTY = "dmasim.platform";

    /** Service property with the platform's {@link State}, for target filters. */
    String STATE_PROPERTY = "dmasim.state";

    /** Where a platform's last boot attempt stands. */
    enum State {
        /** Waiting for backends the profile requires. */
        WAITING,
        /** Booted; run-time services are registered. */
        BOOTED,
        /** Boot failed on bad input or a backend error: see {@link #failure()}. */
        FAILED
    }

    String name();

    State state();

    /** Why the boot failed, or which backends it waits for. */
    java.util.Optional<String> failure();

    PlatformSpec spec();

    BootLog bootLog();

    /**
     * Run-time facilities by type (page allocator, CMA areas, swiotlb pool, ...). Backends
     * publish them during boot; the result is empty when the backend is not part of this
     * platform.
     */
    <T> java.util.Optional<T> lookup(Class<T> type);
}
