package org.dmasim.dmapool;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.dmasim.api.dmapool.DmaPoolBackend;

/**
 * The dma_pool backends a platform can use, by version: a live view of the bound
 * {@link DmaPoolBackend} services (so a backend registered after boot can be switched to), or
 * a fixed set outside OSGi.
 */
interface Backends {
    Optional<DmaPoolBackend> get(String version);

    /** Registered versions, sorted. */
    List<String> versions();

    static Backends of(Map<String, DmaPoolBackend> byVersion) {
        return new Backends() {
            @Override
            public Optional<DmaPoolBackend> get(String version) {
                return Optional.ofNullable(byVersion.get(version));
            }

            @Override
            public List<String> versions() {
                return List.copyOf(new TreeSet<>(byVersion.keySet()));
            }
        };
    }
}
