package org.dmasim.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SimCpuTest {
    private static int onNewThread(Runnable before) throws InterruptedException {
        AtomicInteger seen = new AtomicInteger(-1);
        Thread t = new Thread(() -> {
            before.run();
            seen.set(SimCpu.current());
        });
        t.start();
        t.join();
        return seen.get();
    }

    @Test
    void aThreadRunsOnCpu0UntilItBindsAndItsBindingIsItsOwn() throws Exception {
        assertEquals(0, onNewThread(() -> { }));
        assertEquals(5, onNewThread(() -> SimCpu.bind(5)));
        SimCpu.bind(3);
        try {
            assertEquals(0, onNewThread(() -> { }), "another thread does not see this one's binding");
            assertEquals(3, SimCpu.current());
            assertEquals(7, (int) SimCpu.on(7, SimCpu::current));
            assertEquals(3, SimCpu.current(), "on() restores the binding");
            SimCpu.bind(2);
            assertEquals(2, SimCpu.current(), "a new binding replaces the old one");
        } finally {
            SimCpu.bind(0);
        }
        assertEquals(0, SimCpu.current());
    }

    @Test
    void bindingsOfEndedThreadsAreDroppedSoTheTableStaysSmall() throws Exception {
        for (int i = 0; i < 200; i++) {
            int cpu = 1 + i % 5;
            assertEquals(cpu, onNewThread(() -> SimCpu.bind(cpu)));
        }
        SimCpu.bind(1); // a rebuild after the threads ended
        try {
            assertTrue(SimCpu.slots() <= 32, "slots: " + SimCpu.slots());
        } finally {
            SimCpu.bind(0);
        }
    }

    /** Threads rebinding all the time (each bind replaces the table) never see another's CPU. */
    @Test
    void concurrentBindsNeverShowAThreadAnotherThreadsCpu() throws Exception {
        int threads = 4;
        java.util.concurrent.atomic.AtomicInteger wrong = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int base = 100 * (t + 1);
            ts[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 2_000; i++) {
                    int cpu = base + i % 50;
                    SimCpu.bind(cpu);
                    for (int k = 0; k < 20; k++) {
                        if (SimCpu.current() != cpu) {
                            wrong.incrementAndGet();
                        }
                    }
                }
            });
            ts[t].start();
        }
        go.countDown();
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(0, wrong.get(), "reads of another thread's binding");
        assertEquals(0, SimCpu.current(), "the test thread never bound");
    }

    @Test
    void aNegativeCpuIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SimCpu.bind(-1));
        assertEquals(0, SimCpu.current());
    }
}
