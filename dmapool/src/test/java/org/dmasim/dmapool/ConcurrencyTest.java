package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.mm.Gfp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Four threads on one pool: never the same block twice, counters exact afterwards. */
class ConcurrencyTest {
    @ParameterizedTest
    @ValueSource(strings = {"6.1", "6.4"})
    void fourThreads_onePool_noBlockHandedOutTwice(String version) throws Exception {
        Fixture f = new Fixture(version);
        DmaPool pool = f.create("c", 64, 64, 0);
        Set<Long> out = ConcurrentHashMap.newKeySet();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long seed = 31L * t + 7;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    Random rnd = new Random(seed);
                    List<long[]> mine = new ArrayList<>();
                    for (int op = 0; op < 30000; op++) {
                        if (mine.isEmpty() || rnd.nextBoolean()) {
                            long[] h = new long[1];
                            long v = pool.alloc(Gfp.GFP_KERNEL, h, 0);
                            if (!out.add(v)) {
                                throw new AssertionError("block " + Long.toHexString(v) + " handed out twice");
                            }
                            mine.add(new long[] {v, h[0]});
                        } else {
                            long[] b = mine.remove(rnd.nextInt(mine.size()));
                            out.remove(b[0]);
                            pool.free(b[0], b[1]);
                        }
                    }
                    for (long[] b : mine) {
                        out.remove(b[0]);
                        pool.free(b[0], b[1]);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            threads.add(th);
            th.start();
        }
        start.countDown();
        for (Thread th : threads) {
            th.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(0, pool.blocksInUse());
        assertTrue(out.isEmpty());
        assertEquals(pool.pages(), f.dma.allocations().size());
    }
}
