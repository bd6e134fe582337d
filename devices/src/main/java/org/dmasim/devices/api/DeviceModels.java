package org.dmasim.devices.api;

import java.util.Optional;
import org.dmasim.api.platform.Platform;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Binds simulated hardware and its driver to a platform's device (one from the device tree, or one
 * made with {@code DmaApi.createDevice}), as a driver's probe binds to a {@code struct device}.
 * A device has at most one model bound at a time; {@code remove} on the driver unbinds it.
 *
 * <p>Every method throws {@link IllegalArgumentException} naming the platform and the device when
 * the device does not exist or is already bound, and {@link IllegalStateException} when the
 * platform is not booted.
 */
@ProviderType
public interface DeviceModels {
    /** Probes a ring network device on {@code device}. */
    NetDriver probeNic(Platform platform, String device, NicConfig config);

    /** Probes a scatter-gather block device on {@code device}, with the shipped driver. */
    BlockDriver probeBlock(Platform platform, String device, BlockConfig config);

    /**
     * Attaches only the block device's hardware to {@code device}, for a driver of one's own (the
     * user-space DMA sample): the caller sets the DMA mask and segment limits as its probe would.
     */
    BlockHw attachBlockHw(Platform platform, String device, BlockConfig config);

    /** The network driver bound to {@code device}, if any. */
    Optional<NetDriver> nic(Platform platform, String device);

    /** The block driver bound to {@code device}, if any. */
    Optional<BlockDriver> block(Platform platform, String device);

    /** Unbinds what is bound to {@code device} without a driver of this bundle (attachBlockHw). */
    void detach(Platform platform, String device);
}
