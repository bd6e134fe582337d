package org.dmasim.api.dmapool;

import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.osgi.annotation.versioning.ProviderType;

/**
 * SPI: one {@code dma_pool} algorithm, i.e. one version of {@code mm/dmapool.c}. Registered as
 * an OSGi service with {@value #VERSION_PROPERTY} equal to {@link #version()}; a new kernel
 * version is a new service, nothing else changes.
 */
@ProviderType
public interface DmaPoolBackend {
    /** Service property naming the kernel version the backend reproduces. */
    String VERSION_PROPERTY = "dmasim.dmapool.version";

    /** E.g. {@code "6.1"} or {@code "6.4"}. */
    String version();

    /**
     * {@code dma_pool_create}'s checks and geometry for this version. Returns empty where the
     * kernel returns NULL, after writing a dmasim line to {@code host.log()} naming the rule.
     *
     * @throws IllegalArgumentException for input this version would crash on (an oops), with
     *     the reason
     */
    Optional<DmaPoolEngine> create(DmaPoolHost host, String name, DmaDevice dev, long size, long align, long boundary);
}
