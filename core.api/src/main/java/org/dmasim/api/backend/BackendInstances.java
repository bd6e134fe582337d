package org.dmasim.api.backend;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The backend instances of one booted platform: which one serves each backend now, what the
 * replaced ones still hold. Registered by the platform with {@code dmasim.platform=<name>}
 * (or {@code platform.lookup(BackendInstances.class)}).
 */
@ProviderType
public interface BackendInstances {
    /** Every instance since the platform booted, oldest first, released ones included. */
    List<BackendInstance> instances();

    /** The instance that takes new work for a backend ({@code swiotlb}, {@code cma}, ...), if one is running. */
    Optional<BackendInstance> active(String kind);

    /** The instance with this {@link BackendInstance#id() id}. */
    Optional<BackendInstance> instance(String id);

    /**
     * Forces an instance out now: every mapping, buffer or pool it holds is revoked (bounce data
     * copied back first, so nothing the CPU should see is lost), each device that held some is
     * reported as DMA-API debug reports a driver leaving with live DMA
     * ({@code DMA-API: <bus> <device>: device driver has pending DMA allocations while released
     * from device [count=N]} and the details of one entry), later use of what was revoked is
     * refused, and the instance is released.
     *
     * @return the lines written to the platform's log
     * @throws IllegalArgumentException for an unknown id or an instance already released
     */
    List<String> forceOut(String id);
}
