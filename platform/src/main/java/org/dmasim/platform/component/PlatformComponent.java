package org.dmasim.platform.component;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.dmasim.api.boot.ArchSupport;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.boot.Booter;
import org.dmasim.platform.boot.StandardParts;
import org.dmasim.platform.profile.SpecBuilder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One platform per factory configuration ({@value PlatformConfig#FACTORY_PID}, described for
 * Metatype by {@link PlatformConfiguration}). It collects
 * the backends' boot participants as they come and go, boots when every backend the platform
 * needs is present, and registers a {@link Platform} service whose {@code dmasim.state}
 * property says BOOTED, WAITING (naming what is missing) or FAILED (naming the bad input).
 * Updating the configuration re-boots this platform only. Boots run on the platform's own
 * thread, never inside a DS callback.
 */
@Component(configurationPid = PlatformConfig.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
    service = {})
@Designate(ocd = PlatformConfiguration.class, factory = true)
public final class PlatformComponent {
    private final Map<BootParticipant, String> participants = new ConcurrentHashMap<>();
    private final Set<ReservedMemHandler> handlers = ConcurrentHashMap.newKeySet();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dmasim-platform-boot");
        t.setDaemon(true);
        return t;
    });
    private BundleContext bundleContext;
    /** The configuration as the typed definition reads it, and its raw properties (for backend.* keys). */
    private volatile Configured config;
    private volatile Set<String> usedBackends = Set.of();
    private volatile boolean waiting;
    private volatile boolean closed;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    /** The boot whose services are registered; closed when the next one replaces it. */
    private PlatformInstance current;

    @Reference(name = "participant", service = BootParticipant.class, cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindParticipant(BootParticipant p, Map<String, Object> props) {
        participants.put(p, String.valueOf(props.getOrDefault(BootParticipant.BACKEND_PROPERTY, p.name())));
        if (waiting) {
            schedule();
        }
    }

    void unbindParticipant(BootParticipant p) {
        String name = participants.remove(p);
        if (name != null && usedBackends.contains(name)) {
            schedule();
        }
    }

    @Reference(name = "reservedMemHandler", service = ReservedMemHandler.class,
        cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindHandler(ReservedMemHandler h) {
        handlers.add(h);
    }

    void unbindHandler(ReservedMemHandler h) {
        handlers.remove(h);
    }

    private record Configured(PlatformConfiguration typed, Map<String, Object> raw) {
    }

    @Activate
    void activate(BundleContext context, PlatformConfiguration typed, Map<String, Object> properties) {
        this.bundleContext = context;
        this.config = new Configured(typed, Map.copyOf(properties));
        schedule();
    }

    @Modified
    void modified(PlatformConfiguration typed, Map<String, Object> properties) {
        this.config = new Configured(typed, Map.copyOf(properties));
        schedule();
    }

    @Deactivate
    void deactivate() {
        closed = true;
        worker.shutdownNow();
        synchronized (this) {
            unregisterAll();
            if (current != null) {
                current.close();
                current = null;
            }
        }
    }

    private void schedule() {
        if (!closed && !worker.isShutdown()) {
            try {
                worker.execute(this::boot);
            } catch (java.util.concurrent.RejectedExecutionException deactivating) {
                // deactivate() shut the worker down between the check and the call: no boot wanted.
            }
        }
    }

    /** Backends every platform of this architecture needs. */
    static Set<String> required(PlatformSpec spec) {
        Set<String> names = new TreeSet<>(List.of("mm.buddy", "mm.slab", "cma", "swiotlb", "atomicpool", "dma.core",
            "dmapool"));
        names.add(spec.arch() == org.dmasim.api.platform.Arch.ARM64 ? "arch.arm64" : "arch.x86");
        return names;
    }

    private synchronized void boot() {
        if (closed) {
            return;
        }
        Configured cfg = config;
        String name = PlatformSettings.name(cfg.typed(), cfg.raw());
        PlatformSpec spec;
        try {
            spec = SpecBuilder.build(PlatformSettings.read(cfg.typed(), cfg.raw()));
        } catch (InvalidInputException e) {
            publish(new PlatformInstance(name, null, Platform.State.FAILED, e.getMessage(), null));
            return;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // A defect met while reading the inputs: still one line, and never a silent WAITING.
            publish(new PlatformInstance(name, null, Platform.State.FAILED, "platform " + name
                + ": reading its configuration stopped: " + org.dmasim.platform.boot.BootFailures.what(e), null));
            return;
        }
        Set<String> required = required(spec);
        Set<String> present = new TreeSet<>(participants.values());
        Set<String> missing = new TreeSet<>(required);
        missing.removeAll(present);
        if (!missing.isEmpty()) {
            waiting = true;
            usedBackends = Set.of();
            publish(new PlatformInstance(name, spec, Platform.State.WAITING,
                "waiting for backends: " + String.join(", ", missing), null));
            return;
        }
        waiting = false;
        ArchSupport arch = null;
        List<BootParticipant> chosen = new ArrayList<>(StandardParts.participants());
        for (Map.Entry<BootParticipant, String> e : participants.entrySet()) {
            if (!required.contains(e.getValue())) {
                continue;
            }
            if (e.getKey() instanceof ArchSupport a) {
                if (a.arch() == spec.arch()) {
                    arch = a;
                }
                continue;
            }
            chosen.add(e.getKey());
        }
        List<ReservedMemHandler> rmemHandlers = new ArrayList<>(handlers);
        usedBackends = required;
        BootResult result;
        try {
            result = new Booter(arch, chosen, rmemHandlers).boot(spec);
        } catch (RuntimeException e) {
            // Booter turns whatever a participant throws into a failed result; this is only a
            // backend that does not fit the platform (a wiring defect, not input).
            publish(new PlatformInstance(name, spec, Platform.State.FAILED,
                org.dmasim.platform.boot.BootFailures.describe(spec, "boot", e), null));
            return;
        }
        if (!result.ok()) {
            publish(new PlatformInstance(name, spec, Platform.State.FAILED, result.failure().orElse(""), result));
            return;
        }
        publish(new PlatformInstance(name, spec, Platform.State.BOOTED, null, result));
    }

    private void publish(PlatformInstance instance) {
        unregisterAll();
        if (current != null) {
            current.close();
        }
        current = instance;
        if (closed) {
            return;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Platform.PLATFORM_PROPERTY, instance.name());
        props.put(Platform.STATE_PROPERTY, instance.state().name());
        if (instance.spec() != null) {
            props.put("dmasim.arch", instance.spec().arch().id());
        }
        try {
            registrations.add(bundleContext.registerService(Platform.class, instance, props));
            for (Class<?> facility : RUNTIME_SERVICES) {
                register(instance, facility);
            }
        } catch (IllegalStateException stopping) {
            // The bundle is stopping under us (its context is no longer valid): nothing to publish.
            closed = true;
            unregisterAll();
        }
    }

    /**
     * The run-time facilities a booted platform also offers as services, each with
     * {@code dmasim.platform=<name>}, for consumers that prefer DS references to
     * {@link Platform#lookup}.
     */
    static final List<Class<?>> RUNTIME_SERVICES = List.of(PageAllocator.class, org.dmasim.api.dma.DmaApi.class,
        org.dmasim.api.dmapool.DmaPools.class, org.dmasim.api.cma.CmaAreas.class,
        org.dmasim.api.pool.AtomicPools.class, org.dmasim.api.slab.Kmalloc.class);

    private <T> void register(PlatformInstance instance, Class<T> type) {
        instance.lookup(type).ifPresent(facility -> {
            Dictionary<String, Object> p = new Hashtable<>();
            p.put(Platform.PLATFORM_PROPERTY, instance.name());
            registrations.add(bundleContext.registerService(type, facility, p));
        });
    }

    private void unregisterAll() {
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the framework unregisters everything when the bundle stops
            }
        }
        registrations.clear();
    }
}
