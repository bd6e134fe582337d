package org.dmasim.api.boot;

import java.util.Optional;
import org.dmasim.api.backend.BackendLifecycle;
import org.dmasim.api.backend.RuntimeServices;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.PlatformSpec;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A booted platform as a backend sees it when it starts its run-time instance
 * ({@link BootParticipant#start}): right after the boot that included it, or later, when the
 * backend arrives on (or is replaced in) a platform that is already running.
 */
@ProviderType
public interface RuntimeContext {
    PlatformSpec spec();

    /** The platform's log; what the kernel prints at run time goes here. */
    BootLog log();

    /**
     * What the boot built and published (the page allocator, zone limits, the kernel VM, the
     * reserved CMA areas, ...): facts of the boot. The current instance of a service that backends
     * replace at run time is found through {@link #services()} instead.
     */
    <T> Optional<T> get(Class<T> type);

    default <T> T require(Class<T> type) {
        return get(type).orElseThrow(() -> new IllegalStateException(
            "run time: " + type.getSimpleName() + " was not published by the boot"));
    }

    /** The platform's run-time services and backend instances. */
    RuntimeServices services();

    /**
     * Whether this is a late start: the platform booted without this instance, so what it needs
     * comes from the running system, as the kernel's late init paths take it
     * ({@code swiotlb_init_late}: pages from the page allocator), not from memblock.
     */
    boolean late();

    /**
     * A new instance of the starting backend ({@link BootParticipant#name()} is its kind),
     * numbered in the platform ({@code swiotlb#2}); it becomes visible once offered.
     *
     * @param release what to do when it holds nothing any more (see {@link BackendLifecycle})
     */
    BackendLifecycle newInstance(String description, Runnable release);

    /**
     * Offers a run-time service of the platform, served by {@code instance}: registered as a
     * service of the backend's own bundle with {@code dmasim.platform}, {@code dmasim.backend}
     * and {@code dmasim.instance} properties, and the one {@link RuntimeServices#active} finds
     * while the instance is ACTIVE.
     */
    <T> void offer(Class<T> type, T service, BackendLifecycle instance);
}
