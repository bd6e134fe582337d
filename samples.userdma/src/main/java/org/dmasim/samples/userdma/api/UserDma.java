package org.dmasim.samples.userdma.api;

import java.util.Optional;
import org.dmasim.api.platform.Platform;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The sample's entry points on a platform: simulated processes, and the user-DMA driver bound to a
 * device (with the scatter-gather block device's hardware behind it).
 *
 * @throws IllegalArgumentException (every method) naming the platform and the device or process for
 *     an unknown device, a device already bound, a process name already taken
 */
@ProviderType
public interface UserDma {
    /** Probes the driver on {@code device}: a coherent buffer of {@code bufferSize} bytes. */
    UserDmaDevice probe(Platform platform, String device, long bufferSize);

    Optional<UserDmaDevice> device(Platform platform, String device);

    /** A new process with an empty address space. */
    SimProcess spawn(Platform platform, String name);

    Optional<SimProcess> process(Platform platform, String name);
}
