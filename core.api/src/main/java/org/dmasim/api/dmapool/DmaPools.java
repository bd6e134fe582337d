package org.dmasim.api.dmapool;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The {@code dma_pool} API of one booted platform, published at boot (phase DEVICES) by the
 * dmapool bundle; reach it with {@code platform.lookup(DmaPools.class)}.
 *
 * <p>Which algorithm new pools get is the active backend: the platform kernel's own by default
 * (6.1's for Linux 6.1, 6.4's for 6.12), {@code dmapool=6.1|6.4} in the platform options, changed
 * at run time with {@link #useBackend}; a pool keeps the backend that created it until it is
 * destroyed.
 */
@ProviderType
public interface DmaPools {
    /** The platform option that selects the backend at boot. */
    String OPTION = "dmapool";

    /**
     * {@code dma_pool_create(name, dev, size, align, boundary)}: empty where the kernel returns
     * NULL (the reason goes to the platform log as a dmasim line).
     */
    Optional<DmaPool> create(String name, DmaDevice dev, long size, long align, long boundary);

    /** {@code dmam_pool_create}: destroyed by {@link #releaseManaged} when the driver detaches. */
    Optional<DmaPool> createManaged(String name, DmaDevice dev, long size, long align, long boundary);

    /**
     * {@code dmam_pool_destroy}.
     *
     * @throws IllegalArgumentException when the pool is not a live managed pool (the kernel's
     *     WARN_ON case; nothing is destroyed)
     */
    void destroyManaged(DmaPool pool);

    /**
     * The devres release at driver detach: destroys the device's managed pools, newest first.
     *
     * @return how many pools were destroyed
     */
    int releaseManaged(DmaDevice dev);

    /**
     * The device's sysfs {@code pools} file: {@code "poolinfo - 0.1\n"} then one line per pool,
     * newest first, each in the format of the backend that made it. Empty when the device has
     * no pool (the kernel removes the file with the last pool).
     */
    Optional<String> poolsFile(DmaDevice dev);

    /** Live pools of the platform, oldest first. */
    List<DmaPool> pools();

    /** Live pools of one device, in {@code pools} file order (newest first). */
    List<DmaPool> pools(DmaDevice dev);

    /** The version new pools are created with. */
    String backendVersion();

    /** Versions of the registered backends, sorted. */
    List<String> backendVersions();

    /**
     * Switches the backend new pools use; existing pools keep theirs.
     *
     * @throws IllegalArgumentException for a version no registered backend has
     */
    void useBackend(String version);

    /**
     * {@code mm/dmapool_test.c}: on device {@code dmapool-test} (created when absent, 64-bit
     * masks), six pools, each allocating and freeing all its blocks {@code rounds} times (the
     * kernel: 100) with the active backend.
     *
     * @return the lines the module prints ({@code "dmapool test: size:... time:<µs>"}), also
     *     written to the platform log
     */
    List<String> dmapoolTest(int rounds);
}
