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

    @Test
    void aNegativeCpuIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SimCpu.bind(-1));
        assertEquals(0, SimCpu.current());
    }
}
