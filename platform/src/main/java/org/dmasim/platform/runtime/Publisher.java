package org.dmasim.platform.runtime;

import java.util.Map;
import org.dmasim.api.boot.BootParticipant;

/**
 * Where a platform's run-time services become visible outside it: in Felix, the service
 * registry, each service registered through the bundle of the backend that offers it; without a
 * framework, nowhere (consumers use {@link PlatformRuntime#active} and the boot result).
 */
@FunctionalInterface
public interface Publisher {
    /** Nothing published: the framework-free composition. */
    Publisher NONE = (owner, type, service, properties) -> () -> {
    };

    /** A registration that can be withdrawn (once; later calls do nothing). */
    interface Registration {
        void withdraw();
    }

    Registration publish(BootParticipant owner, Class<?> type, Object service, Map<String, Object> properties);
}
