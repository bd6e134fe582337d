package org.dmasim.platform.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.dmasim.api.mem.CacheEviction;
import org.dmasim.api.mem.CpuCache;
import org.junit.jupiter.api.Test;

/**
 * Two threads storing into the same pages while both clean and clean-and-invalidate them, so
 * pages keep leaving the cache's table under the other thread's feet: no store is lost (a clean
 * never drops data) and, at the end, RAM holds each line's last store.
 */
class DataCacheConcurrencyTest {
    @Test
    void concurrentStoresAndMaintenanceLoseNothing() throws Exception {
        for (CacheEviction eviction : List.of(CacheEviction.NONE, new CacheEviction(3, 0.2))) {
            DataCache cache = DataCacheTest.cache(eviction);
            int pages = 4;
            int rounds = 20_000;
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<byte[]>> results = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int thread = t;
                    Callable<byte[]> work = () -> run(cache, thread, pages, rounds);
                    results.add(pool.submit(work));
                }
                for (int t = 0; t < 2; t++) {
                    byte[] last = results.get(t).get();
                    cache.clean(DataCacheTest.BUF, pages * 4096L);
                    for (int p = 0; p < pages; p++) {
                        for (int line = t; line < 64; line += 2) {
                            long at = DataCacheTest.BUF + p * 4096L + line * 64L;
                            assertArrayEquals(new byte[] {last[0], last[1]}, cache.ram().read(at, 2),
                                "thread " + t + " page " + p + " line " + line + ", " + eviction);
                        }
                    }
                }
                assertEquals(0, cache.stats().dirtyLinesDiscarded(), "cleans never discard");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Thread t owns the even or odd lines of every page; returns the last two bytes it stored. */
    private static byte[] run(CpuCache cache, int t, int pages, int rounds) {
        byte[] value = new byte[2];
        for (int r = 0; r < rounds; r++) {
            value = new byte[] {(byte) (t + 1), (byte) r};
            int page = r % pages;
            for (int line = t; line < 64; line += 2) {
                cache.cpu().write(DataCacheTest.BUF + page * 4096L + line * 64L, value);
            }
            long target = DataCacheTest.BUF + ((r + 1) % pages) * 4096L;
            if (r % 3 == 0) {
                cache.cleanInvalidate(target, 4096);
            } else {
                cache.clean(target, 4096);
            }
        }
        // every page holds the last round's value only if the last rounds covered each page
        for (int page = 0; page < pages; page++) {
            for (int line = t; line < 64; line += 2) {
                cache.cpu().write(DataCacheTest.BUF + page * 4096L + line * 64L, value);
            }
        }
        return value;
    }
}
