package org.dmasim.dmapool;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.backend.BackendLifecycle;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dmapool.DmaPoolBackend;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Kconfig;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Publishes a platform's {@link DmaPools} in phase DEVICES, after dma.core (rank 10) has put
 * the {@link DmaApi} on the blackboard. The backend is the platform option
 * {@value DmaPools#OPTION}, by default the kernel's own ({@link DmapoolKernels}: 6.1's for 6.1,
 * 6.4's for 6.12); DMAPOOL_DEBUG follows
 * Kconfig {@code DEBUG_SLAB} / {@code SLUB_DEBUG_ON}, as {@code mm/dmapool.c} defines it.
 *
 * <p>Backends are a dynamic multiple reference: a platform's service looks them up at each
 * {@code dma_pool_create}, so {@code useBackend} can switch to a backend registered after boot,
 * and pools already made keep the engine object of the backend that made them.
 */
@Component(service = BootParticipant.class, property = BootParticipant.BACKEND_PROPERTY + "=" + DmaPoolBoot.NAME)
public final class DmaPoolBoot implements BootParticipant {
    static final String NAME = "dmapool";
    /** After dma.core, which publishes DmaApi at rank 10. */
    static final int RANK = 20;
    /** Versions this bundle ships, accepted as option values even before their service is bound. */
    static final List<String> SHIPPED = List.of(PoolV6_1.VERSION, PoolV6_4.VERSION);

    private final Map<String, DmaPoolBackend> backends = new ConcurrentHashMap<>();
    private final Backends live = Backends.of(backends);

    @Reference(name = "backend", service = DmaPoolBackend.class, cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindBackend(DmaPoolBackend backend, Map<String, Object> props) {
        backends.put(versionOf(backend, props), backend);
    }

    void unbindBackend(DmaPoolBackend backend, Map<String, Object> props) {
        // remove(key, value): a replacement bound before this unbind must survive
        backends.remove(versionOf(backend, props), backend);
    }

    private static String versionOf(DmaPoolBackend backend, Map<String, Object> props) {
        return String.valueOf(props.getOrDefault(DmaPoolBackend.VERSION_PROPERTY, backend.version()));
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@code dmapool}: the shipped versions and every registered backend's. */
    @Override
    public java.util.Map<String, Set<String>> backendChoices() {
        Set<String> allowed = new TreeSet<>(SHIPPED);
        allowed.addAll(live.versions());
        return java.util.Map.of(DmaPools.OPTION, allowed);
    }

    /** The default algorithm is the kernel's ({@link DmapoolKernels}). */
    @Override
    public Set<org.dmasim.api.platform.KernelVersion> kernels() {
        return DmapoolKernels.kernels();
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.DEVICES);
    }

    @Override
    public int rank(BootPhase phase) {
        return RANK;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        String wanted = ctx.spec().options().getOrDefault(DmaPools.OPTION,
            DmapoolKernels.defaultBackend(ctx.spec().kernel())).trim();
        Set<String> allowed = new TreeSet<>(SHIPPED);
        allowed.addAll(live.versions());
        if (!allowed.contains(wanted)) {
            throw new InvalidInputException(DmaPools.OPTION + "=" + wanted + ": unknown dma_pool backend (expected: one of "
                + String.join(", ", allowed) + ")");
        }
        if (live.get(wanted).isEmpty()) {
            throw new InvalidInputException(DmaPools.OPTION + "=" + wanted + ": the dma_pool backend " + wanted
                + " is not available (no DmaPoolBackend service with " + DmaPoolBackend.VERSION_PROPERTY + "=" + wanted
                + " is registered; registered: " + (live.versions().isEmpty() ? "none" : String.join(", ",
                    live.versions())) + ")");
        }
        DmaApi dma = ctx.get(DmaApi.class).orElseThrow(() -> new IllegalStateException("dmapool: no DmaApi on the"
            + " boot blackboard; dma.core must publish it in phase DEVICES before dmapool (rank " + RANK + ")"));
        ctx.put(DmaPools.class, new DmaPoolsService(dma, ctx.log(), debug(ctx.spec().kconfig()), live, wanted));
    }

    /**
     * The service the boot made (on a running platform: a new one, with the platform's backend
     * choice) serves the platform as this bundle's {@link DmaPools}. Each pool is a holding of its
     * instance: a replaced or stopped service makes no new pools, its pools keep working until
     * destroyed, and it is released with the last of them. Forced out, its pools are revoked.
     */
    @Override
    public void start(RuntimeContext rt) {
        DmaPoolsService pools;
        if (rt.late()) {
            DmaApi dma = rt.get(DmaApi.class).orElse(null);
            if (dma == null) {
                return;
            }
            String kernelDefault = DmapoolKernels.defaultBackend(rt.spec().kernel());
            String wanted = rt.spec().options().getOrDefault(DmaPools.OPTION, kernelDefault).trim();
            if (live.get(wanted).isEmpty()) {
                rt.log().dmasim("dmapool: the dma_pool backend " + wanted + " is not registered; the new instance"
                    + " starts with " + kernelDefault);
                wanted = kernelDefault;
            }
            pools = new DmaPoolsService(dma, rt.log(), debug(rt.spec().kconfig()), live, wanted);
        } else {
            pools = (DmaPoolsService) rt.get(DmaPools.class).orElse(null);
            if (pools == null) {
                return;
            }
        }
        BackendLifecycle instance = rt.newInstance("dma_pool service, backend " + pools.backendVersion(), () -> { });
        pools.attach(instance);
        rt.services().addRevoker(pools);
        rt.offer(DmaPools.class, pools, instance);
    }

    /** A new service can start on a running platform: the old one keeps its pools until they are destroyed. */
    @Override
    public boolean startsLate() {
        return true;
    }

    /**
     * {@code #if defined(CONFIG_DEBUG_SLAB) || defined(CONFIG_SLUB_DEBUG_ON)} → DMAPOOL_DEBUG (6.12
     * has no DEBUG_SLAB: only SLUB_DEBUG_ON).
     */
    static boolean debug(Kconfig kconfig) {
        return kconfig.enabled("DEBUG_SLAB") || kconfig.enabled("SLUB_DEBUG_ON");
    }

    /**
     * A platform's dma_pool service outside OSGi, with this bundle's two backends (for
     * benchmarks and for other bundles' plain unit tests).
     */
    public static DmaPools standalone(DmaApi dma, BootLog log, boolean debug, String version) {
        Backends shipped = Backends.of(Map.of(PoolV6_1.VERSION, new DmapoolV6_1Backend(), PoolV6_4.VERSION,
            new DmapoolV6_4Backend()));
        if (shipped.get(version).isEmpty()) {
            throw new IllegalArgumentException("dma_pool backend: " + version + " (expected: one of "
                + String.join(", ", shipped.versions()) + ")");
        }
        return new DmaPoolsService(dma, log, debug, shipped, version);
    }
}
