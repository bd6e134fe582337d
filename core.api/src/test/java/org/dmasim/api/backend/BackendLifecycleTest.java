package org.dmasim.api.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** ACTIVE → DRAINING → RELEASED, forced out, and the release action run exactly once under contention. */
class BackendLifecycleTest {
    private final AtomicInteger releases = new AtomicInteger();
    private final BackendLifecycle b = new BackendLifecycle("swiotlb", "swiotlb#1", "pool", releases::incrementAndGet);

    @Test
    void drainsToReleaseWithItsLastHolding() {
        assertTrue(b.tryHold());
        assertTrue(b.tryHold());
        assertFalse(b.retire(), "still holding two");
        assertEquals(BackendState.DRAINING, b.state());
        assertFalse(b.tryHold(), "no new work once draining");
        b.unhold();
        assertEquals(0, releases.get());
        b.unhold();
        assertEquals(BackendState.RELEASED, b.state());
        assertEquals(1, releases.get());
        assertFalse(b.forcedOut());
    }

    @Test
    void anIdleInstanceIsReleasedWhenRetired() {
        assertTrue(b.retire());
        assertEquals(BackendState.RELEASED, b.state());
        assertFalse(b.retire());
        assertEquals(1, releases.get());
    }

    @Test
    void forcedOutReleasesAtOnceAndLaterUnholdsChangeNothing() {
        b.tryHold();
        b.tryHold();
        assertEquals(2, b.forceOut());
        assertTrue(b.forcedOut());
        assertEquals(BackendState.RELEASED, b.state());
        b.unhold();
        assertEquals(1, releases.get());
        assertEquals(-1, b.forceOut(), "already released");
    }

    @Test
    void unholdWithoutAHoldingIsADefect() {
        assertThrows(IllegalStateException.class, b::unhold);
    }

    @Test
    void concurrentHoldersAndARetireReleaseExactlyOnce() throws Exception {
        for (int round = 0; round < 200; round++) {
            AtomicInteger released = new AtomicInteger();
            AtomicLong held = new AtomicLong();
            BackendLifecycle l = new BackendLifecycle("k", "k#1", "", released::incrementAndGet);
            CountDownLatch go = new CountDownLatch(1);
            Thread[] ts = new Thread[3];
            for (int t = 0; t < ts.length; t++) {
                ts[t] = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 500; i++) {
                        if (l.tryHold()) {
                            held.incrementAndGet();
                            l.unhold();
                        }
                    }
                });
                ts[t].start();
            }
            go.countDown();
            l.retire();
            for (Thread t : ts) {
                t.join();
            }
            assertEquals(BackendState.RELEASED, l.state());
            assertEquals(1, released.get(), "round " + round);
            assertEquals(0, l.held());
        }
    }
}
