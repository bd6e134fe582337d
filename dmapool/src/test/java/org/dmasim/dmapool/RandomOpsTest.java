package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.mm.Gfp;
import org.dmasim.testing.FakeDma;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seeded random alloc / zalloc / free on six pools of different geometry, per backend, with
 * the invariants checked after every step: no two live blocks overlap (also through memory: a
 * block's own pattern must be intact when it is freed), CPU and bus addresses are the same
 * block, no block crosses its boundary, the counters agree with the live set, and once
 * everything is freed every block is reusable without a new chunk. Seed: -Ddmasim.seed=N.
 */
class RandomOpsTest {
    private static final int[][] GEOMETRIES = {{16, 16, 0}, {64, 64, 256}, {68, 32, 4096}, {5000, 8, 0}, {6, 2, 0},
        {2048, 2048, 0}};

    private record Live(DmaPool pool, long cpuAddr, long dmaHandle, byte tag) {
    }

    @ParameterizedTest(name = "{0} debug={1}, {2} ops")
    @CsvSource({"6.1, false, 120000", "6.4, false, 120000", "6.1, true, 20000", "6.4, true, 20000"})
    void randomAllocFree_keepsEveryInvariant(String version, boolean debug, int ops) {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("RandomOpsTest " + version + " debug=" + debug + " seed=" + seed);
        try {
            run(version, debug, Boolean.getBoolean("dmasim.longTests") ? Math.max(ops, 1_000_000) : ops, seed);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed " + seed + " (" + version + ", debug=" + debug + "): " + e.getMessage(), e);
        }
    }

    private static void run(String version, boolean debug, int ops, long seed) {
        Random rnd = new Random(seed);
        Fixture f = new Fixture(version, debug);
        List<DmaPool> pools = new ArrayList<>();
        for (int[] g : GEOMETRIES) {
            pools.add(f.create("r" + g[0], g[0], g[1], g[2]));
        }
        List<Live> live = new ArrayList<>();
        TreeMap<Long, Live> byVaddr = new TreeMap<>(Long::compareUnsigned);
        Map<DmaPool, Integer> count = new java.util.HashMap<>();
        for (int op = 0; op < ops; op++) {
            // grow, churn, then shrink: pools gain pages and later empty ones. The grow and shrink
            // phases stay 40,000 operations long in the 10^6 run too, so the live set fits the fake RAM.
            int phase = Math.min(ops / 3, 40_000);
            int allocPercent = op < phase ? 60 : op < ops - phase ? 50 : 42;
            if (live.isEmpty() || rnd.nextInt(100) < allocPercent) {
                DmaPool pool = pools.get(rnd.nextInt(pools.size()));
                boolean zero = rnd.nextInt(8) == 0;
                long[] h = new long[1];
                long vaddr = pool.alloc(Gfp.GFP_KERNEL | (zero ? Gfp.__GFP_ZERO : 0), h, 0);
                assertTrue(vaddr != 0);
                int size = (int) pool.size();
                checkPlacement(f, pool, vaddr, h[0]);
                Map.Entry<Long, Live> below = byVaddr.floorEntry(vaddr);
                Map.Entry<Long, Live> above = byVaddr.ceilingEntry(vaddr);
                if (below != null && below.getKey() + below.getValue().pool().size() > vaddr
                    || above != null && vaddr + size > above.getKey()) {
                    fail("op " + op + ": block " + Long.toHexString(vaddr) + " overlaps a live block");
                }
                if (zero) {
                    assertEquals(0, nonZero(f.dma.vm.cpuRead(vaddr, size)), "zalloc'ed block is not zero");
                } else if (debug) {
                    byte[] b = f.dma.vm.cpuRead(vaddr, size);
                    for (byte x : b) {
                        assertEquals((byte) 0xa9, x, "allocated block not poisoned");
                    }
                }
                byte tag = (byte) (1 + rnd.nextInt(250));
                f.dma.vm.cpuFill(vaddr, size, tag);
                Live l = new Live(pool, vaddr, h[0], tag);
                live.add(l);
                byVaddr.put(vaddr, l);
                count.merge(pool, 1, Integer::sum);
            } else {
                int i = rnd.nextInt(live.size());
                Live l = live.get(i);
                live.set(i, live.get(live.size() - 1));
                live.remove(live.size() - 1);
                byVaddr.remove(l.cpuAddr());
                byte[] b = f.dma.vm.cpuRead(l.cpuAddr(), (int) l.pool().size());
                for (byte x : b) {
                    if (x != l.tag()) {
                        fail("op " + op + ": live block " + Long.toHexString(l.cpuAddr()) + " was overwritten");
                    }
                }
                l.pool().free(l.cpuAddr(), l.dmaHandle());
                count.merge(l.pool(), -1, Integer::sum);
            }
            if (op % 997 == 0) {
                checkCounters(pools, count, version);
            }
        }
        checkCounters(pools, count, version);
        for (Live l : live) {
            l.pool().free(l.cpuAddr(), l.dmaHandle());
        }
        for (DmaPool pool : pools) {
            assertEquals(0, pool.blocksInUse());
            long pages = pool.pages();
            long perPage = blocksPerPage(version, pool);
            long calls = f.dma.allocCalls;
            long[] h = new long[(int) (pages * perPage)];
            for (int i = 0; i < h.length; i++) {
                assertTrue(pool.alloc(Gfp.GFP_KERNEL, h, i) != 0);
            }
            assertEquals(calls, f.dma.allocCalls, pool.name() + ": a free block was lost");
            assertEquals(pages, pool.pages());
            for (int i = 0; i < h.length; i++) {
                pool.free(f.dma.vm.linearAddress(h[i] + FakeDma.DMA_OFFSET), h[i]);
            }
            pool.destroy();
        }
        assertEquals(List.of(), f.dma.allocations());
    }

    private static long blocksPerPage(String version, DmaPool pool) {
        int size = (int) pool.size();
        int allocation = (int) pool.allocation();
        int boundary = (int) pool.boundary();
        return (version.equals("6.1") ? BlockLayout.v6_1(size, allocation, boundary)
            : BlockLayout.v6_4(size, allocation, boundary)).blocks();
    }

    private static void checkPlacement(Fixture f, DmaPool pool, long vaddr, long dma) {
        assertEquals(f.dma.vm.toPhys(vaddr) - FakeDma.DMA_OFFSET, dma, "vaddr and dma are different blocks");
        long b = pool.boundary();
        if (CreateArgs.powerOfTwo(b)) {
            assertTrue((dma & (b - 1)) + pool.size() <= b, "block crosses its boundary");
        }
    }

    private static void checkCounters(List<DmaPool> pools, Map<DmaPool, Integer> count, String version) {
        for (DmaPool pool : pools) {
            assertEquals(count.getOrDefault(pool, 0).longValue(), pool.blocksInUse(), pool.name());
            long perPage = version.equals("6.1") ? pool.allocation() / pool.size() : blocksPerPage(version, pool);
            assertEquals(pool.pages() * perPage, pool.totalBlocks(), pool.name());
            assertTrue(pool.blocksInUse() <= pool.pages() * blocksPerPage(version, pool));
        }
    }

    private static int nonZero(byte[] b) {
        int n = 0;
        for (byte x : b) {
            n += x == 0 ? 0 : 1;
        }
        return n;
    }
}
