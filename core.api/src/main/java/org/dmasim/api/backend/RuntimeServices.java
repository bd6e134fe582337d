package org.dmasim.api.backend;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One platform's run-time services as their consumers find them when they make a call: the
 * instance that serves a type now, never a copy taken at boot. The platform keeps it (on the
 * boot blackboard for the participants that need it at run time, such as dma.core) and updates
 * it as backends start, are replaced and stop.
 */
@ProviderType
public interface RuntimeServices extends BackendInstances {
    /** A service together with the backend instance serving it. */
    record Served<T>(T service, BackendInstance instance) {
    }

    /**
     * The service of {@code type} whose instance is ACTIVE, the newest one if several are; empty
     * when no running backend offers it. A volatile read: cheap enough for every call.
     */
    <T> Optional<Served<T>> active(Class<T> type);

    /** Registers something that records holdings, to be asked when an instance is forced out. */
    void addRevoker(Revoker revoker);
}
