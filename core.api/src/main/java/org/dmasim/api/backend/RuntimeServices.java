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
     * A live view of the service of one type: each {@link #get} answers with the instance serving
     * at that moment. A consumer may keep the view (not what it returns) and read it on every call:
     * one volatile read, cheap enough for the hot paths.
     */
    @ProviderType
    interface Current<T> {
        /** The service whose instance is ACTIVE now (the newest, if several), or null. */
        Served<T> get();

        default Optional<Served<T>> optional() {
            return Optional.ofNullable(get());
        }
    }

    /** The live view of {@code type}; the same object for every call with the same type. */
    <T> Current<T> current(Class<T> type);

    /**
     * The service of {@code type} whose instance is ACTIVE, the newest one if several are; empty
     * when no running backend offers it.
     */
    default <T> Optional<Served<T>> active(Class<T> type) {
        return current(type).optional();
    }

    /** Registers something that records holdings, to be asked when an instance is forced out. */
    void addRevoker(Revoker revoker);
}
