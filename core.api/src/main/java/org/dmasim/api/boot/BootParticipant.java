package org.dmasim.api.boot;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dmasim.api.platform.Arch;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A backend's part in booting a platform. Participants are stateless factories shared by all
 * platforms: everything they create for one platform goes into its {@link BootContext}.
 * Registered as OSGi services with {@value #BACKEND_PROPERTY} naming the backend.
 */
@ConsumerType
public interface BootParticipant {
    /** Service property naming a backend ({@code cma}, {@code swiotlb}, {@code arch.arm64}, ...). */
    String BACKEND_PROPERTY = "dmasim.backend";

    /** The backend name, equal to its {@value #BACKEND_PROPERTY} property. */
    String name();

    /** The phases this participant runs in on {@code arch}; empty when it does not apply. */
    Set<BootPhase> phases(Arch arch);

    /**
     * The {@code early_param()}s this participant models on {@code arch}; the platform runs
     * them at {@code parse_early_param()} time (see {@link EarlyParam}).
     */
    default List<EarlyParam> earlyParams(Arch arch) {
        return List.of();
    }

    /**
     * The backend choices this participant reads from {@link org.dmasim.api.platform.PlatformSpec#options()}:
     * subsystem name to the choices it accepts ({@code dmapool} to {@code 6.1, 6.4}). The
     * platform refuses a choice for a subsystem no participant declares, or a choice its
     * participant does not list, naming the valid ones.
     */
    default Map<String, Set<String>> backendChoices() {
        return Map.of();
    }

    /**
     * The kernel versions this participant models, when what it does differs between them
     * (each picks its version's rules from {@link org.dmasim.api.platform.PlatformSpec#kernel()}).
     * Empty, the default: its part of boot is the same in every kernel. The platform refuses to
     * boot a kernel that a participant with a non-empty set does not list, naming both.
     */
    default Set<org.dmasim.api.platform.KernelVersion> kernels() {
        return Set.of();
    }

    /** Order among participants of the same phase; lower runs first. */
    default int rank(BootPhase phase) {
        return 0;
    }

    /**
     * Runs one phase. Kernel-visible problems are logged the way the kernel logs them; input
     * the kernel would reject outright throws {@link org.dmasim.api.platform.InvalidInputException}.
     */
    void run(BootPhase phase, BootContext context);

    /**
     * Starts this backend's run-time instance for one platform and offers its services
     * ({@link RuntimeContext#offer}). Called once the platform booted with this participant
     * ({@link RuntimeContext#late()} false: wrap what the boot built), and, for a participant that
     * {@link #startsLate() starts late}, whenever it arrives on a platform that is already running
     * without an active instance of it ({@code late()} true).
     *
     * @since 2.4
     */
    default void start(RuntimeContext context) {
    }

    /**
     * Whether a new run-time instance of this backend can start on a running platform (the
     * kernel's late init paths), so that stopping or replacing the backend drains its old
     * instance instead of re-booting the platform. Backends that own the platform's core state
     * (the architecture, the page allocator, dma.core's devices) cannot: losing one re-boots.
     * When the service properties of such a participant change (its configuration was updated),
     * each running platform that uses it starts a new instance the same way and the old one drains.
     *
     * @since 2.4
     */
    default boolean startsLate() {
        return false;
    }
}
