package org.dmasim.api.boot;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.PlatformSpec;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One platform's boot in progress: its inputs, memblock, log, and a typed blackboard where
 * backends publish what they built (zone limits, CMA areas, the swiotlb pool, the buddy
 * allocator) for later phases and for run time.
 */
@ProviderType
public interface BootContext {
    PlatformSpec spec();

    default Optional<DeviceTree> deviceTree() {
        return spec().deviceTree();
    }

    Memblock memblock();

    /**
     * {@code parse_early_param()}: runs every participant's {@link EarlyParam} handler for the
     * command line, in order, printing {@code Malformed early option} for rejected values.
     * Runs once per boot, like the kernel's (later calls do nothing); the architecture calls it
     * where its {@code setup_arch()} does, and the platform runs it after the MEMBLOCK phase
     * for an architecture that did not.
     */
    default void parseEarlyParams() {
    }

    BootLog log();

    /** The /reserved-memory regions found so far, in the order they were initialised. */
    List<ReservedMem> reservedMem();

    /** Registered handlers for a compatible, in rank order. */
    List<ReservedMemHandler> reservedMemHandlers(String compatible);

    <T> Optional<T> get(Class<T> type);

    default <T> T require(Class<T> type) {
        return get(type).orElseThrow(() -> new IllegalStateException(
            "boot: " + type.getSimpleName() + " was not published by an earlier phase"));
    }

    <T> void put(Class<T> type, T value);
}
