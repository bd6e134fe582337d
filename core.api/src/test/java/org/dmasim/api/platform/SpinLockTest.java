package org.dmasim.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class SpinLockTest {
    /** A counter guarded by the lock, with a non-atomic read-modify-write a race would break. */
    private static final class Counter extends SpinLock {
        long value;
    }

    @Test
    void tryLockFailsWhileHeldAndSucceedsOnceGivenUp() {
        Counter c = new Counter();
        assertTrue(c.tryLock());
        assertTrue(c.isLocked());
        assertFalse(c.tryLock(), "not reentrant: a second take fails, even by the holder");
        c.unlock();
        assertFalse(c.isLocked());
        assertTrue(c.tryLock());
        c.unlock();
    }

    @Test
    void aWaiterGetsTheLockOnlyAfterTheHolderGivesItUp() throws Exception {
        Counter c = new Counter();
        c.lock();
        CountDownLatch got = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            c.lock();
            got.countDown();
            c.unlock();
        });
        waiter.start();
        waiter.join(200);
        assertEquals(1, got.getCount(), "the waiter must not get a held lock");
        c.unlock();
        waiter.join(10_000);
        assertEquals(0, got.getCount(), "the waiter takes the lock once it is given up");
    }

    @Test
    void threadsMoreThanCoresLoseNoIncrement() throws Exception {
        Counter c = new Counter();
        int threads = Runtime.getRuntime().availableProcessors() * 2 + 1;
        int each = 20_000;
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    c.lock();
                    try {
                        c.value++;
                    } finally {
                        c.unlock();
                    }
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertEquals((long) threads * each, c.value);
    }
}
