package org.dmasim.platform.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.BackendLifecycle;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.backend.Backends;
import org.dmasim.api.backend.Revoker;
import org.dmasim.api.backend.RuntimeServices;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.PlatformSpec;

/**
 * The run-time half of one platform: the backend instances its participants start, the services
 * they offer, and which of them serves each type now.
 *
 * <p>Data: {@link #offers} holds every service offered and not withdrawn (type, service, its
 * instance, the participant that offered it); {@link #views} holds, per type, the live view
 * consumers keep ({@link Current}), whose volatile field {@link #recompute} sets to the newest
 * offer whose instance is ACTIVE on every change: a consumer reads one field per call. {@link #instances} keeps
 * every instance ever started, oldest first, for the views.
 *
 * <p>Life of an instance: a participant's {@link BootParticipant#start} creates it
 * ({@link RuntimeContext#newInstance}) and offers services with it. A later start of the same
 * backend (a replacement, the backend coming back after a stop, or {@link #replace} after its
 * configuration changed) retires the older instances of that kind once the new one is offered:
 * they drain, and new work never finds the backend missing in between. {@link #retire(BootParticipant)} (the participant went away) retires
 * its instances and withdraws its services; {@link #forceOut} revokes an instance's holdings and
 * releases it at once. The platform calls all of these from its own worker thread, one at a time;
 * {@link #active} and the views may be read from any thread.
 */
public final class PlatformRuntime implements RuntimeServices {
    private record Offer(Class<?> type, Object service, BackendLifecycle instance, BootParticipant owner,
        Publisher.Registration registration) {
    }

    private final PlatformSpec spec;
    private final BootLog log;
    private volatile Function<Class<?>, Optional<?>> bootFacts = t -> Optional.empty();
    private volatile Publisher publisher = Publisher.NONE;
    private final List<Offer> offers = new CopyOnWriteArrayList<>();
    /** Per type, the live view consumers keep; {@link #recompute} updates what they read. */
    private final Map<Class<?>, View<?>> views = new ConcurrentHashMap<>();
    private final List<BackendLifecycle> instances = new CopyOnWriteArrayList<>();
    private final Map<BackendLifecycle, BootParticipant> owners = new ConcurrentHashMap<>();
    /**
     * Instances whose participant's start has not returned yet: they may still be offering their
     * services, so {@link #active} does not name them (a caller that finds the new instance active
     * then finds its services in the views).
     */
    private final Set<BackendLifecycle> starting = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> sequence = new HashMap<>();
    private final List<Revoker> revokers = new CopyOnWriteArrayList<>();

    public PlatformRuntime(PlatformSpec spec, BootLog log) {
        this.spec = spec;
        this.log = log;
    }

    /** What the boot published, for {@link RuntimeContext#get}. */
    public void bootFacts(Function<Class<?>, Optional<?>> facts) {
        this.bootFacts = facts;
    }

    public void publisher(Publisher p) {
        this.publisher = p;
    }

    // ---- lookups ----

    /** The live view of one type. */
    private static final class View<T> implements Current<T> {
        volatile Served<T> served;
        /** Whether a backend ever offered the type here. */
        volatile boolean offered;

        @Override
        public Served<T> get() {
            return served;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Current<T> current(Class<T> type) {
        return (Current<T>) views.computeIfAbsent(type, t -> new View<>());
    }

    /** Whether some backend ever offered {@code type} on this platform (then the boot's copy is not the answer). */
    public boolean offers(Class<?> type) {
        View<?> v = views.get(type);
        return v != null && v.offered;
    }

    @Override
    public void addRevoker(Revoker revoker) {
        revokers.add(revoker);
    }

    @Override
    public List<BackendInstance> instances() {
        return List.copyOf(instances);
    }

    @Override
    public Optional<BackendInstance> active(String kind) {
        for (int i = instances.size() - 1; i >= 0; i--) {
            BackendLifecycle b = instances.get(i);
            if (b.kind().equals(kind) && b.state() == BackendState.ACTIVE && !starting.contains(b)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<BackendInstance> instance(String id) {
        return instances.stream().filter(b -> b.id().equals(id)).map(b -> (BackendInstance) b).findFirst();
    }

    // ---- starting, retiring, forcing out ----

    /**
     * Starts each participant's run-time instance after a boot that included it.
     *
     * @return the failure, naming the participant, or empty
     */
    public Optional<String> start(List<? extends BootParticipant> participants) {
        for (BootParticipant p : participants) {
            try {
                run(p, new Context(p, false));
            } catch (RuntimeException e) {
                return Optional.of(org.dmasim.platform.boot.BootFailures.describe(spec, "starting " + p.name()
                    + " at run time", e));
            }
        }
        return Optional.empty();
    }

    /**
     * Starts {@code p} on the running platform (it arrived, or replaces the participant that served
     * its backend): its new instance takes new work; older instances of the same backend drain.
     */
    public void startLate(BootParticipant p) {
        for (BackendLifecycle b : instances) {
            if (owners.get(b) == p && b.state() == BackendState.ACTIVE) {
                return; // p already serves (the boot that saw it arrive started it)
            }
        }
        startNew(p, "starting a new instance on the running platform");
    }

    /**
     * {@code p}'s configuration changed: a new instance of its backend starts as a late one and
     * takes new work; the instance serving until now (p's own, too) drains. Should the new one
     * fail to start, the old one keeps serving.
     */
    public void replace(BootParticipant p) {
        startNew(p, "configuration changed: starting a new instance on the running platform");
    }

    private void startNew(BootParticipant p, String why) {
        List<BackendLifecycle> older = new ArrayList<>();
        for (BackendLifecycle b : instances) {
            if (b.kind().equals(p.name()) && b.state() == BackendState.ACTIVE) {
                older.add(b);
            }
        }
        log.dmasim(p.name() + ": " + why);
        try {
            run(p, new Context(p, true));
        } catch (RuntimeException e) {
            String what = e instanceof InvalidInputException ? e.getMessage()
                : org.dmasim.platform.boot.BootFailures.what(e);
            log.dmasim(p.name() + ": the new instance could not start (" + what + "); "
                + (older.isEmpty() ? "the platform runs without it" : "the old one keeps serving"));
            return;
        }
        for (BackendLifecycle b : older) {
            retire(b, "replaced");
        }
    }

    /** {@code p.start(ctx)}; the instances it made count as {@link #active} once it has returned. */
    private void run(BootParticipant p, Context ctx) {
        try {
            p.start(ctx);
        } finally {
            starting.removeAll(ctx.made);
        }
    }

    /** Whether some instance of {@code kind} takes new work. */
    public boolean hasActive(String kind) {
        return active(kind).isPresent();
    }

    /** The participant went away: its instances drain, its services are withdrawn. */
    public void retire(BootParticipant p) {
        for (BackendLifecycle b : instances) {
            if (owners.get(b) == p && b.state() == BackendState.ACTIVE) {
                retire(b, "stopped");
            }
        }
        withdraw(o -> o.owner() == p);
    }

    private void retire(BackendLifecycle b, String why) {
        // Out of the live views first: whoever sees the instance DRAINING must not find it serving.
        hide(b);
        boolean released = b.retire();
        // What it held at the swap: read before withdrawing its services, which takes long enough
        // for busy consumers to drain it meanwhile.
        long held = b.held();
        withdraw(o -> o.instance() == b);
        log.dmasim(b.id() + ": " + why + "; " + (released ? "it held nothing and is released"
            : "draining: it takes no new work and serves the unmaps, syncs and frees of the " + held
                + " it holds"));
    }

    @Override
    public List<String> forceOut(String id) {
        BackendLifecycle b = null;
        for (BackendLifecycle i : instances) {
            if (i.id().equals(id)) {
                b = i;
            }
        }
        if (b == null) {
            throw new IllegalArgumentException("backend instance " + id + ": no such instance on platform "
                + spec.name() + " (instances: " + instances.stream().map(BackendLifecycle::id).toList() + ")");
        }
        if (b.state() == BackendState.RELEASED) {
            throw new IllegalArgumentException("backend instance " + id + ": already released (nothing to force out)");
        }
        List<String> lines = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        BackendLifecycle target = b;
        hide(target);
        for (Revoker r : revokers) {
            r.revoke(target, warnings::add);
        }
        long live = b.forceOut();
        withdraw(o -> o.instance() == target);
        for (String w : warnings) {
            if (w.startsWith("dmasim: ")) {
                log.dmasim(w.substring(8));
            } else {
                log.warn(w);
            }
            lines.add(w);
        }
        String summary = "dmasim: " + id + ": forced out with " + Math.max(live, 0) + " holding(s) revoked; released";
        log.dmasim(summary.substring(8));
        lines.add(summary);
        return lines;
    }

    /** The platform goes away (re-boot, deactivation): every instance retires, every service is withdrawn. */
    public void close() {
        for (BackendLifecycle b : instances) {
            b.retire();
        }
        withdraw(o -> true);
    }

    private void withdraw(java.util.function.Predicate<Offer> which) {
        List<Offer> gone = new ArrayList<>();
        for (Offer o : offers) {
            if (which.test(o)) {
                gone.add(o);
            }
        }
        offers.removeAll(gone);
        for (Offer o : gone) {
            try {
                o.registration().withdraw();
            } catch (IllegalStateException alreadyGone) {
                // the backend's bundle stopped and the framework unregistered it already
            }
        }
        recompute();
    }

    /** Per type: the newest offer whose instance is ACTIVE, into the live views. */
    private void recompute() {
        recompute(null);
    }

    /** The live views without {@code leaving}, an instance about to stop taking work. */
    private void hide(BackendLifecycle leaving) {
        recompute(leaving);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private synchronized void recompute(BackendLifecycle leaving) {
        Map<Class<?>, Served<?>> next = new HashMap<>();
        for (Offer o : offers) {
            if (o.instance() != leaving && o.instance().state() == BackendState.ACTIVE) {
                next.put(o.type(), new Served<>(o.service(), o.instance()));
            }
        }
        for (Map.Entry<Class<?>, View<?>> e : views.entrySet()) {
            ((View) e.getValue()).served = next.get(e.getKey());
        }
    }

    /** What one participant sees while it starts. */
    private final class Context implements RuntimeContext {
        private final BootParticipant owner;
        private final boolean late;
        /** The instances this start made. */
        private final List<BackendLifecycle> made = new ArrayList<>();

        Context(BootParticipant owner, boolean late) {
            this.owner = owner;
            this.late = late;
        }

        @Override
        public PlatformSpec spec() {
            return spec;
        }

        @Override
        public BootLog log() {
            return log;
        }

        @Override
        public <T> Optional<T> get(Class<T> type) {
            return bootFacts.apply(type).map(type::cast);
        }

        @Override
        public RuntimeServices services() {
            return PlatformRuntime.this;
        }

        @Override
        public boolean late() {
            return late;
        }

        @Override
        public BackendLifecycle newInstance(String description, Runnable release) {
            String kind = owner.name();
            int n;
            synchronized (sequence) {
                n = sequence.merge(kind, 1, Integer::sum);
            }
            String id = kind + "#" + n;
            // A failure while giving memory back (a backend's defect) is reported, never thrown
            // into the transition that released the instance (a retire, an unmap, a force-out).
            Runnable guarded = () -> {
                try {
                    release.run();
                } catch (RuntimeException e) {
                    log.dmasim(id + ": giving its memory back failed (" + e.getMessage()
                        + "); the memory stays allocated");
                }
            };
            BackendLifecycle b = new BackendLifecycle(kind, id, description, guarded);
            made.add(b);
            starting.add(b);
            instances.add(b);
            owners.put(b, owner);
            return b;
        }

        @Override
        public <T> void offer(Class<T> type, T service, BackendLifecycle instance) {
            if (owners.get(instance) != owner) {
                throw new IllegalArgumentException(owner.name() + ": offers " + type.getSimpleName()
                    + " with instance " + instance.id() + ", which it did not create");
            }
            Map<String, Object> props = new HashMap<>();
            props.put(Platform.PLATFORM_PROPERTY, spec.name());
            props.put(BootParticipant.BACKEND_PROPERTY, owner.name());
            props.put(Backends.INSTANCE_PROPERTY, instance.id());
            Publisher.Registration reg = publisher.publish(owner, type, service, props);
            offers.add(new Offer(type, service, instance, owner, reg));
            ((View<?>) current(type)).offered = true;
            recompute();
        }
    }
}
