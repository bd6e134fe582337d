package org.dmasim.platform.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.dmasim.api.backend.BackendLifecycle;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.backend.RuntimeServices;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.RuntimeContext;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.BootLog;
import org.dmasim.platform.profile.SpecBuilder;
import org.junit.jupiter.api.Test;

/** The run-time half of a platform with participants made for the test: offers, views, late starts, failures. */
class PlatformRuntimeTest {
    /** A service type of the test. */
    interface Thing {
        String name();
    }

    /** A participant that offers one Thing per start, and counts releases. */
    static class Offering implements BootParticipant {
        final String name;
        final List<String> released = new ArrayList<>();
        final Consumer<RuntimeContext> before;

        Offering(String name, Consumer<RuntimeContext> before) {
            this.name = name;
            this.before = before;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Set<BootPhase> phases(Arch arch) {
            return EnumSet.noneOf(BootPhase.class);
        }

        @Override
        public void run(BootPhase phase, BootContext context) {
        }

        @Override
        public boolean startsLate() {
            return true;
        }

        @Override
        public void start(RuntimeContext rt) {
            before.accept(rt);
            String what = name + (rt.late() ? " late" : " at boot");
            BackendLifecycle[] self = new BackendLifecycle[1];
            self[0] = rt.newInstance(what, () -> released.add(self[0].id()));
            Thing t = () -> what;
            rt.offer(Thing.class, t, self[0]);
        }
    }

    private final BootLog log = new BootLog();
    private final PlatformRuntime runtime = new PlatformRuntime(SpecBuilder.build(Map.of("profile", "qemu-virt-arm64")),
        log);
    private final List<Map<String, Object>> published = new ArrayList<>();

    PlatformRuntimeTest() {
        runtime.publisher((owner, type, service, props) -> {
            published.add(props);
            return () -> published.remove(props);
        });
    }

    @Test
    void aLateStartReplacesTheActiveInstanceAndTheViewFollows() {
        Offering boot = new Offering("thing", rt -> { });
        assertEquals(Optional.empty(), runtime.start(List.of(boot)));
        RuntimeServices.Current<Thing> view = runtime.current(Thing.class);
        assertEquals("thing at boot", view.get().service().name());
        assertEquals(Map.of("dmasim.platform", "qemu-virt-arm64", "dmasim.backend", "thing", "dmasim.instance", "thing#1"),
            published.get(0));

        Offering next = new Offering("thing", rt -> { });
        runtime.startLate(next);
        assertSame(view, runtime.current(Thing.class), "consumers keep the view, not what it returns");
        assertEquals("thing late", view.get().service().name());
        assertEquals(BackendState.RELEASED, runtime.instance("thing#1").orElseThrow().state());
        assertEquals(List.of("thing#1"), boot.released);
        assertEquals(1, published.size(), "the old registration was withdrawn");

        runtime.retire(next);
        assertEquals(null, view.get());
        assertTrue(runtime.offers(Thing.class), "offered once: the boot's copy is no answer any more");
        assertTrue(published.isEmpty());
        assertTrue(log.lines().stream().anyMatch(l -> l.text().equals("thing#2: stopped; it held nothing and is released")));
    }

    /** An instance is the backend's active one once its start has returned, its services offered. */
    @Test
    void aNewInstanceIsActiveOnlyOnceItsStartHasOfferedItsServices() {
        runtime.start(List.of(new Offering("thing", rt -> { })));
        List<String> seenDuringStart = new ArrayList<>();
        runtime.startLate(new Offering("thing", rt -> { }) {
            @Override
            public void start(RuntimeContext rt) {
                BackendLifecycle b = rt.newInstance("late", () -> { });
                seenDuringStart.add(runtime.active("thing").map(i -> i.id()).orElse("none"));
                rt.offer(Thing.class, () -> "late", b);
                seenDuringStart.add(runtime.active("thing").map(i -> i.id()).orElse("none"));
            }
        });
        assertEquals(List.of("thing#1", "thing#1"), seenDuringStart, "the old instance until the start returns");
        assertEquals("thing#2", runtime.active("thing").orElseThrow().id());
        assertEquals("late", runtime.current(Thing.class).get().service().name());
    }

    @Test
    void aParticipantFailingAtBootFailsThePlatformInWords() {
        Offering broken = new Offering("thing", rt -> {
            throw new IllegalStateException("no pages for the pool");
        });
        String failure = runtime.start(List.of(broken)).orElseThrow();
        assertTrue(failure.contains("starting thing at run time stopped: no pages for the pool"), failure);
        assertFalse(failure.contains("java."), failure);
    }

    @Test
    void aLateStartThatFailsLeavesTheOldInstanceServing() {
        runtime.start(List.of(new Offering("thing", rt -> { })));
        runtime.startLate(new Offering("thing", rt -> {
            throw new IllegalStateException("no pages for the pool");
        }));
        assertEquals("thing at boot", runtime.current(Thing.class).get().service().name());
        assertTrue(log.lines().stream().anyMatch(l -> l.text().contains("the old one keeps serving")));
    }

    @Test
    void anInstanceMayOnlyBeOfferedByTheParticipantThatMadeIt() {
        BackendLifecycle[] stolen = new BackendLifecycle[1];
        runtime.start(List.of(new Offering("a", rt -> stolen[0] = rt.newInstance("a", () -> { }))));
        Offering thief = new Offering("b", rt -> rt.offer(Thing.class, () -> "x", stolen[0]));
        String failure = runtime.start(List.of(thief)).orElseThrow();
        assertTrue(failure.contains("which it did not create"), failure);
    }

    @Test
    void aReleaseThatFailsIsReportedNotThrown() {
        runtime.start(List.of(new Offering("thing", rt -> { }) {
            @Override
            public void start(RuntimeContext rt) {
                BackendLifecycle b = rt.newInstance("bad", () -> {
                    throw new IllegalStateException("pages already free");
                });
                rt.offer(Thing.class, () -> "bad", b);
            }
        }));
        runtime.close();
        assertTrue(log.lines().stream().anyMatch(l -> l.text().equals(
            "thing#1: giving its memory back failed (pages already free); the memory stays allocated")));
        assertThrows(IllegalArgumentException.class, () -> runtime.forceOut("thing#1"), "released already");
    }
}
