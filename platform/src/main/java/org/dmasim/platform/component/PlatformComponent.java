package org.dmasim.platform.component;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.backend.Backends;
import org.dmasim.api.boot.ArchSupport;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.boot.Booter;
import org.dmasim.platform.boot.StandardParts;
import org.dmasim.platform.profile.SpecBuilder;
import org.dmasim.platform.runtime.Publisher;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
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
 * Metatype by {@link PlatformConfiguration}). It collects the backends' boot participants as they
 * come and go, boots when every backend the platform's profile lists ({@link Backends}) is
 * present, and registers a {@link Platform} service whose {@code dmasim.state} property says
 * BOOTED, WAITING (naming what is missing) or FAILED (naming the bad input). Updating the
 * configuration re-boots this platform only. Boots and backend swaps run on the platform's own
 * thread, never inside a DS callback.
 *
 * <p>Run time: after a boot each participant starts its instance and offers its services, which
 * are registered through the participant's own bundle (so they belong to that bundle, with
 * {@code dmasim.platform}, {@code dmasim.backend} and {@code dmasim.instance}). A backend that
 * {@linkplain BootParticipant#startsLate starts late} may leave and come back while the platform
 * runs: its instance drains and the platform stays BOOTED; when it (or a replacement) arrives, a
 * new instance starts and takes the new work. When such a backend's configuration changes (its
 * participant's service properties are updated), a new instance replaces the serving one the same
 * way. Losing any other backend the platform uses re-boots
 * it once the backend is back, as before.
 */
@Component(configurationPid = PlatformConfig.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
    service = {})
@Designate(ocd = PlatformConfiguration.class, factory = true)
public final class PlatformComponent {
    /** A bound participant: its backend name and the bundle that registered it. */
    private record Bound(String name, Bundle bundle) {
    }

    private final Map<BootParticipant, Bound> participants = new ConcurrentHashMap<>();
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
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, updated = "updatedParticipant")
    void bindParticipant(BootParticipant p, ServiceReference<BootParticipant> ref) {
        Object backend = ref.getProperty(BootParticipant.BACKEND_PROPERTY);
        Bound b = new Bound(backend == null ? p.name() : String.valueOf(backend), ref.getBundle());
        participants.put(p, b);
        // Decided on the worker, after any boot already running there: a boot that did not see
        // this participant may still be about to wait for it.
        execute(() -> arrived(p, b));
    }

    private void arrived(BootParticipant p, Bound b) {
        if (waiting) {
            boot();
        } else if (usedBackends.contains(b.name()) && p.startsLate()) {
            startLate(p, b.name());
        }
    }

    /**
     * The participant's service properties changed: its backend's configuration was updated. One
     * that starts late gets a new instance on this platform (the old one drains); any other
     * backend's configuration is read at boot, and the next boot sees it.
     */
    void updatedParticipant(BootParticipant p, ServiceReference<BootParticipant> ref) {
        Bound b = participants.get(p);
        if (b != null) {
            execute(() -> reconfigured(p, b));
        }
    }

    private void reconfigured(BootParticipant p, Bound b) {
        if (!waiting && usedBackends.contains(b.name()) && p.startsLate()) {
            replace(p);
        }
    }

    void unbindParticipant(BootParticipant p) {
        Bound b = participants.remove(p);
        if (b != null) {
            execute(() -> left(p, b));
        }
    }

    private void left(BootParticipant p, Bound b) {
        if (!usedBackends.contains(b.name())) {
            return;
        }
        if (p.startsLate()) {
            retire(p);
        } else {
            boot();
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
        execute(this::boot);
    }

    private void execute(Runnable work) {
        if (!closed && !worker.isShutdown()) {
            try {
                worker.execute(work);
            } catch (java.util.concurrent.RejectedExecutionException deactivating) {
                // deactivate() shut the worker down between the check and the call: nothing wanted.
            }
        }
    }

    /**
     * The backends {@code spec} waits for: its profile's {@code backends} list; a spec without one
     * (not made from a profile) needs every backend bound now.
     */
    Set<String> required(PlatformSpec spec) {
        return Backends.required(spec).<Set<String>>map(TreeSet::new)
            .orElseGet(() -> new TreeSet<>(participants.values().stream().map(Bound::name).toList()));
    }

    /** The participant of the platform's architecture, if one is bound. */
    private Optional<Map.Entry<BootParticipant, Bound>> archBackend(PlatformSpec spec) {
        return participants.entrySet().stream()
            .filter(e -> e.getKey() instanceof ArchSupport a && a.arch() == spec.arch()).findFirst();
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
        Set<String> present = new TreeSet<>();
        participants.values().forEach(b -> present.add(b.name()));
        Set<String> missing = new TreeSet<>(required);
        missing.removeAll(present);
        Optional<Map.Entry<BootParticipant, Bound>> arch = archBackend(spec);
        if (arch.isEmpty()) {
            missing.add("the " + spec.arch().id() + " architecture backend");
        }
        if (!missing.isEmpty()) {
            waiting = true;
            usedBackends = Set.of();
            publish(new PlatformInstance(name, spec, Platform.State.WAITING,
                "waiting for backends: " + String.join(", ", missing), null));
            return;
        }
        waiting = false;
        List<BootParticipant> chosen = new ArrayList<>(StandardParts.participants());
        for (Map.Entry<BootParticipant, Bound> e : participants.entrySet()) {
            if (required.contains(e.getValue().name()) && !(e.getKey() instanceof ArchSupport)) {
                chosen.add(e.getKey());
            }
        }
        Set<String> used = new TreeSet<>(required);
        used.add(arch.get().getValue().name());
        List<ReservedMemHandler> rmemHandlers = new ArrayList<>(handlers);
        usedBackends = used;
        BootResult result;
        try {
            result = new Booter((ArchSupport) arch.get().getKey(), chosen, rmemHandlers).boot(spec);
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
        // The previous boot's services go before this one's are registered under the same name.
        publish(null);
        // Instances start in a stable order: the architecture, then the profile's backends as listed.
        List<String> order = Backends.required(spec).orElse(List.of());
        List<BootParticipant> started = new ArrayList<>(chosen);
        started.sort(java.util.Comparator.comparingInt(p -> {
            Bound b = participants.get(p);
            int at = b == null ? -1 : order.indexOf(b.name());
            return at < 0 ? Integer.MAX_VALUE : at;
        }));
        started.add(0, arch.get().getKey());
        result.startRuntime(started, this::register);
        if (!result.ok()) {
            publish(new PlatformInstance(name, spec, Platform.State.FAILED, result.failure().orElse(""), result));
            return;
        }
        publish(new PlatformInstance(name, spec, Platform.State.BOOTED, null, result));
    }

    /** A late participant on the booted platform: its backend gets a new instance. */
    private void startLate(BootParticipant p, String backend) {
        onBootedRuntime(p, rt -> rt.startLate(p));
    }

    /** A late-starting participant was reconfigured: a new instance replaces its current one. */
    private void replace(BootParticipant p) {
        onBootedRuntime(p, rt -> rt.replace(p));
    }

    /** Runs {@code action} on the booted platform's run time, while {@code p} is still bound. */
    private synchronized void onBootedRuntime(BootParticipant p,
        java.util.function.Consumer<org.dmasim.platform.runtime.PlatformRuntime> action) {
        PlatformInstance booted = current;
        if (closed || booted == null || booted.state() != Platform.State.BOOTED || !participants.containsKey(p)) {
            return;
        }
        booted.runtime().ifPresent(action);
    }

    /** A participant that starts late left the booted platform: its instance drains. */
    private synchronized void retire(BootParticipant p) {
        PlatformInstance booted = current;
        if (closed || booted == null) {
            return;
        }
        booted.runtime().ifPresent(rt -> rt.retire(p));
    }

    /**
     * Registers a run-time service through the bundle of the backend that offers it, so that the
     * service is that bundle's (and goes when it stops); the platform's own bundle stands in for
     * a participant this component does not know (the platform's standard parts).
     */
    private Publisher.Registration register(BootParticipant owner, Class<?> type, Object service,
        Map<String, Object> properties) {
        Bound b = participants.get(owner);
        BundleContext via = b == null ? null : b.bundle().getBundleContext();
        if (via == null) {
            via = bundleContext;
        }
        ServiceRegistration<?> reg = via.registerService(type.getName(), service, new Hashtable<>(properties));
        return () -> {
            try {
                reg.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle stopped and the framework unregistered its services
            }
        };
    }

    /** Replaces the published instance (null: withdraw the current one only). */
    private void publish(PlatformInstance instance) {
        unregisterAll();
        if (current != null) {
            current.close();
        }
        current = instance;
        if (closed || instance == null) {
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
            instance.runtime().ifPresent(rt -> {
                Dictionary<String, Object> p = new Hashtable<>();
                p.put(Platform.PLATFORM_PROPERTY, instance.name());
                registrations.add(bundleContext.registerService(BackendInstances.class, rt, p));
            });
        } catch (IllegalStateException stopping) {
            // The bundle is stopping under us (its context is no longer valid): nothing to publish.
            closed = true;
            unregisterAll();
        }
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
