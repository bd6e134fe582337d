package org.dmasim.api.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The striped holding counts under contention: threads take holdings and give them back
 * themselves or hand them to another thread (an unmap on another queue), while the instance is
 * retired or forced out at a random moment. Checked each round: the release runs exactly once; on a drain, never while a holding stands and no holding
 * is granted once the retire returned. A fresh seed each run, printed; rerun one with
 * {@code -Ddmasim.seed=N}.
 */
class BackendLifecycleStressTest {
    private static final int THREADS = 3;

    @Test
    void holdingsDrainAndReleaseExactlyOnceDirectlyOrThroughChildren() throws Exception {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("BackendLifecycleStressTest seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        Random random = new Random(seed);
        for (int round = 0; round < 150; round++) {
            boolean force = random.nextInt(4) == 0;
            boolean children = random.nextBoolean();
            round(round, seed, force, children, random.nextInt(2000), random.nextLong());
        }
    }

    /**
     * One round: threads hold {@code l} itself, or (with {@code children}) one of two instances
     * that are parts of it, as mappings hold an IOMMU's domains; the checks are on {@code l}.
     */
    private void round(int round, long seed, boolean force, boolean children, int spinsBeforeEnd, long roundSeed)
        throws Exception {
        String where = "seed " + seed + ", round " + round + (force ? " (force-out)" : " (retire)")
            + (children ? " through children" : "");
        AtomicInteger releases = new AtomicInteger();
        AtomicLong standing = new AtomicLong(); // only checked on a drain: a force-out revokes what stands
        AtomicInteger releasedWhileStanding = new AtomicInteger();
        BackendLifecycle l = new BackendLifecycle("k", "k#1", "", () -> {
            if (standing.get() != 0) {
                releasedWhileStanding.incrementAndGet();
            }
            releases.incrementAndGet();
        });
        BackendLifecycle[] holdOn = {l};
        if (children) {
            holdOn = new BackendLifecycle[] {new BackendLifecycle("d", "d#1", "", () -> { }),
                new BackendLifecycle("d", "d#2", "", () -> { })};
            for (BackendLifecycle kid : holdOn) {
                kid.attachTo(l);
            }
        }
        BackendLifecycle[] targets = holdOn;
        AtomicBoolean ended = new AtomicBoolean();
        AtomicInteger grantedAfterEnd = new AtomicInteger();
        AtomicInteger grantedAfterRelease = new AtomicInteger();
        @SuppressWarnings("unchecked")
        ConcurrentLinkedQueue<BackendLifecycle>[] handedTo = new ConcurrentLinkedQueue[THREADS];
        for (int t = 0; t < THREADS; t++) {
            handedTo[t] = new ConcurrentLinkedQueue<>();
        }
        CountDownLatch go = new CountDownLatch(1);
        Thread[] ts = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            int me = t;
            Random r = new Random(roundSeed + t);
            ts[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 400; i++) {
                    boolean endedBefore = ended.get();
                    BackendLifecycle on = targets[r.nextInt(targets.length)];
                    if (on.tryHold()) {
                        standing.incrementAndGet();
                        if (endedBefore) {
                            grantedAfterEnd.incrementAndGet();
                        }
                        if (!force && releases.get() != 0) {
                            grantedAfterRelease.incrementAndGet();
                        }
                        if (r.nextBoolean()) {
                            handedTo[(me + 1 + r.nextInt(THREADS - 1)) % THREADS].add(on);
                        } else {
                            standing.decrementAndGet();
                            on.unhold();
                        }
                    }
                    for (BackendLifecycle b; (b = handedTo[me].poll()) != null; ) {
                        standing.decrementAndGet();
                        b.unhold();
                    }
                }
            });
            ts[t].start();
        }
        go.countDown();
        for (int i = 0; i < spinsBeforeEnd; i++) {
            Thread.onSpinWait();
        }
        if (force) {
            assertTrue(l.forceOut() >= 0, where);
            ended.set(true);
        } else {
            l.retire();
            ended.set(true);
        }
        for (Thread t : ts) {
            t.join();
        }
        for (ConcurrentLinkedQueue<BackendLifecycle> q : handedTo) {
            for (BackendLifecycle b; (b = q.poll()) != null; ) {
                standing.decrementAndGet();
                b.unhold();
            }
        }
        assertEquals(BackendState.RELEASED, l.state(), where);
        assertEquals(1, releases.get(), where + ": the release ran once");
        assertEquals(0, l.held(), where);
        assertEquals(0, grantedAfterEnd.get(), where + ": holdings granted after the retire or force-out returned");
        if (!force) {
            assertEquals(0, grantedAfterRelease.get(), where + ": holdings granted after the release");
            assertEquals(0, releasedWhileStanding.get(), where + ": released while a holding stood");
            assertFalse(l.forcedOut(), where);
        }
    }

    /**
     * Runs {@code work} on a new thread whose stripe is (or is not) the calling thread's, and
     * returns what it returned.
     */
    private static <T> T onThread(boolean sameStripe, Supplier<T> work) throws InterruptedException {
        int mine = BackendLifecycle.stripe(Thread.currentThread());
        AtomicReference<T> out = new AtomicReference<>();
        AtomicReference<RuntimeException> failed = new AtomicReference<>();
        while (true) {
            Thread t = new Thread(() -> {
                try {
                    out.set(work.get());
                } catch (RuntimeException e) {
                    failed.set(e);
                }
            });
            if ((BackendLifecycle.stripe(t) == mine) != sameStripe) {
                continue; // ids are handed out in order: the next thread lands elsewhere
            }
            t.start();
            t.join();
            if (failed.get() != null) {
                throw failed.get();
            }
            return out.get();
        }
    }

    @Test
    void holdingsGivenBackOnAnotherStripeDrainTheInstance() throws Exception {
        AtomicInteger releases = new AtomicInteger();
        BackendLifecycle l = new BackendLifecycle("k", "k#1", "", releases::incrementAndGet);
        assertTrue(l.tryHold() && l.tryHold());
        assertEquals(2, l.held());
        onThread(false, () -> {
            l.unhold();
            return null;
        });
        assertEquals(1, l.held(), "a give in another stripe counts against a take in this one");
        assertFalse(l.retire());
        assertEquals(BackendState.DRAINING, l.state());
        onThread(true, () -> {
            l.unhold();
            return null;
        });
        assertEquals(BackendState.RELEASED, l.state(), "another thread sharing the stripe gives the last one back");
        assertEquals(1, releases.get());
        assertFalse(l.tryHold());
    }

    @Test
    void aGiveWithoutATakeIsRefusedInAnyStripe() throws Exception {
        BackendLifecycle l = new BackendLifecycle("k", "k#1", "", () -> { });
        assertTrue(l.tryHold());
        onThread(false, () -> {
            l.unhold();
            return null;
        });
        assertThrows(IllegalStateException.class, () -> onThread(false, () -> {
            l.unhold();
            return null;
        }));
        assertEquals(0, l.held(), "the refused give changed nothing");
        assertTrue(l.retire(), "idle: released by the retire");
    }
}
