package org.dmasim.iommu.iova;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Random allocFast/freeFast on several CPUs, sizes 1..100, 32-bit and 48-bit limits, against a
 * model of what is handed out: no two live ranges overlap, every range lies under its limit, the
 * domain stays consistent, and after freeing everything and flushing the caches only the
 * reservations remain. Seed from {@code dmasim.seed}; 10^5 ops, 10^6 with {@code dmasim.longTests}.
 */
class IovaRandomTest {
    private static final long LIMIT_32 = 0xfffffL;
    private static final long LIMIT_48 = (1L << 36) - 1;
    private final long seed = Long.getLong("dmasim.seed", System.nanoTime());

    private record Live(long pfn, long size, long end) {
    }

    private String where() {
        return "seed " + seed + " (rerun with -Ddmasim.seed=" + seed + ")";
    }

    @Test
    void randomFastAllocationsNeverOverlapAndAllComeBack() {
        System.out.println("IovaRandomTest seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        int ops = Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 100_000;
        Random rnd = new Random(seed);
        int cpus = 3;
        IovaDomain d = OracleS5Test.pciDomain(cpus);
        // a 32-bit space small enough to run out: everything below 0xf0000 reserved too
        d.reserve(1, 0xeffff);
        List<IovaRange> reserved = d.ranges();
        TreeMap<Long, Live> live = new TreeMap<>();
        List<Live> order = new ArrayList<>();
        for (int op = 0; op < ops; op++) {
            if (order.isEmpty() || rnd.nextInt(100) < 55) {
                long size = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 100);
                long limit = rnd.nextBoolean() ? LIMIT_32 : LIMIT_48;
                long pfn = d.allocFast(rnd.nextInt(cpus), size, limit, rnd.nextInt(4) == 0);
                if (pfn == 0) {
                    continue;
                }
                long len = size < IovaDomain.ROUNDING_LIMIT ? IovaDomain.roundUpPowerOfTwo(size) : size;
                Live l = new Live(pfn, size, pfn + len - 1);
                assertTrue(l.end <= limit, () -> "range " + l + " above limit 0x" + Long.toHexString(limit) + ", " + where());
                var below = live.floorEntry(l.end);
                assertTrue(below == null || below.getValue().end < pfn, () -> l + " overlaps " + below + ", " + where());
                assertNull(live.put(pfn, l));
                order.add(l);
            } else {
                Live l = order.remove(rnd.nextInt(order.size()));
                live.remove(l.pfn);
                d.freeFast(rnd.nextInt(cpus), l.pfn, l.size);
            }
            if (op % 5000 == 0) {
                d.checkConsistency();
            }
        }
        d.checkConsistency();
        for (Live l : order) {
            d.freeFast(0, l.pfn, l.size);
        }
        d.checkConsistency();
        d.flushRcaches();
        assertEquals(reserved, d.ranges(), where());
        assertEquals(0, d.rcacheStats().pfns());
    }

    @Test
    void cpusAllocatingConcurrentlyNeverShareAGranule() throws Exception {
        int threads = 4;
        IovaDomain d = OracleS5Test.pciDomain(threads);
        d.reserve(1, 0xfefff);
        List<IovaRange> reserved = d.ranges();
        ConcurrentHashMap<Long, Integer> owner = new ConcurrentHashMap<>();
        List<Throwable> failures = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int cpu = t;
            Random rnd = new Random(seed + t);
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    List<long[]> mine = new ArrayList<>();
                    for (int i = 0; i < 20_000; i++) {
                        if (mine.isEmpty() || rnd.nextInt(100) < 55) {
                            long size = 1 + rnd.nextInt(40);
                            long pfn = d.allocFast(cpu, size, rnd.nextBoolean() ? LIMIT_32 : LIMIT_48, true);
                            if (pfn == 0) {
                                continue;
                            }
                            for (long g = pfn; g < pfn + size; g++) {
                                Integer was = owner.putIfAbsent(g, cpu);
                                if (was != null) {
                                    throw new AssertionError("granule 0x" + Long.toHexString(g) + " handed to CPU "
                                        + cpu + " while CPU " + was + " holds it, " + where());
                                }
                            }
                            mine.add(new long[] {pfn, size});
                        } else {
                            long[] r = mine.remove(rnd.nextInt(mine.size()));
                            for (long g = r[0]; g < r[0] + r[1]; g++) {
                                owner.remove(g);
                            }
                            d.freeFast(cpu, r[0], r[1]);
                        }
                    }
                    for (long[] r : mine) {
                        for (long g = r[0]; g < r[0] + r[1]; g++) {
                            owner.remove(g);
                        }
                        d.freeFast(cpu, r[0], r[1]);
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            th.start();
            all.add(th);
        }
        start.countDown();
        for (Thread th : all) {
            th.join();
        }
        assertEquals(List.of(), failures);
        d.checkConsistency();
        d.flushRcaches();
        assertEquals(reserved, d.ranges(), where());
    }
}
