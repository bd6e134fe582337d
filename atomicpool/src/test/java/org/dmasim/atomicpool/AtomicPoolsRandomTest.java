package org.dmasim.atomicpool;

import org.dmasim.testing.Gfps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.api.pool.AtomicPools.Block;
import org.junit.jupiter.api.Test;

/**
 * A seeded random run of 10^5 allocations and frees over the three pools of the arm64 board,
 * with the expansion worker running concurrently. Each block must be inside a chunk of the pool
 * its GFP allows, aligned to its size's power of two within the chunk, overlap no live block,
 * arrive zeroed, and keep its contents until freed; at the end every pool is entirely free.
 */
class AtomicPoolsRandomTest {
    static final long PAGE = 4096;
    static final int[] GFPS = {Gfps.GFP_ATOMIC, Gfps.GFP_ATOMIC | Gfp.GFP_DMA, Gfps.GFP_ATOMIC | Gfp.GFP_DMA32};
    static final List<List<String>> ALLOWED = List.of(List.of("kernel", "dma32", "dma"), List.of("dma"),
        List.of("dma32", "dma"));

    record Live(Block block, long tag) {
    }

    @Test
    void randomAllocFreeKeepsBlocksDisjointAlignedAndReturnsEverything() {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("AtomicPoolsRandomTest seed=" + seed);
        Random rnd = new Random(seed);
        TestBoard b = TestBoard.arm64().boot();
        try {
            AtomicPoolsImpl pools = b.pools;
            TreeMap<Long, Live> byPhys = new TreeMap<>();
            List<Live> live = new ArrayList<>();
            int failures = 0;
            for (int op = 0; op < (Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 100_000); op++) {
                if (!live.isEmpty() && (rnd.nextInt(100) < 48 || live.size() >= 96)) {
                    Live l = live.remove(rnd.nextInt(live.size()));
                    byPhys.remove(l.block().phys());
                    assertArrayEquals(tag(l.tag()), b.vm.cpuRead(l.block().cpuAddr(), 8), () -> "contents kept, seed " + seed);
                    assertTrue(pools.free(l.block().cpuAddr(), l.block().size()));
                    continue;
                }
                int g = rnd.nextInt(GFPS.length);
                long size = rnd.nextInt(8) == 0 ? 8 + rnd.nextInt((int) PAGE * 2) : PAGE * (1 + rnd.nextInt(48));
                Optional<Block> r = pools.alloc("rnd", size, GFPS[g] | Gfp.__GFP_NOWARN, null);
                if (r.isEmpty()) {
                    failures++;
                    continue;
                }
                Block blk = r.get();
                assertTrue(ALLOWED.get(g).contains(blk.pool()), () -> blk + " for gfp 0x" + Integer.toHexString(GFPS[g]));
                checkPlacement(b, blk, seed);
                long rounded = (size + PAGE - 1) & -PAGE;
                Map.Entry<Long, Live> below = byPhys.floorEntry(blk.phys() + rounded - 1);
                if (below != null) {
                    Block o = below.getValue().block();
                    long oEnd = o.phys() + ((o.size() + PAGE - 1) & -PAGE);
                    assertTrue(oEnd <= blk.phys(), () -> blk + " overlaps " + o + ", seed " + seed);
                }
                assertEquals(0, b.vm.cpuRead(blk.cpuAddr() + size - 1, 1)[0], () -> "zeroed, seed " + seed);
                assertArrayEquals(new byte[8], b.vm.cpuRead(blk.cpuAddr(), 8), () -> "zeroed, seed " + seed);
                Live l = new Live(blk, op);
                b.vm.cpuWrite(blk.cpuAddr(), tag(op));
                byPhys.put(blk.phys(), l);
                live.add(l);
            }
            for (Live l : live) {
                assertArrayEquals(tag(l.tag()), b.vm.cpuRead(l.block().cpuAddr(), 8));
                assertTrue(pools.free(l.block().cpuAddr(), l.block().size()));
            }
            pools.flushWorker();
            long total = 0;
            for (AtomicPools.PoolInfo p : pools.pools()) {
                assertEquals(p.size(), p.available(), p.name() + " entirely free, seed " + seed);
                assertEquals(p.size() + "\n", pools.debugfs().get("pool_size_" + p.name()));
                total += p.size();
            }
            System.out.println("AtomicPoolsRandomTest: pools grew to " + (total >> 10) + " KiB in total, "
                + failures + " allocations failed");
            assertTrue(total > 3 * 512 * 1024, "the worker grew at least one pool");
            assertNull(b.ctx.log().lines().stream().filter(x -> x.text().startsWith("DMA pool exhausted"))
                .findFirst().orElse(null), "__GFP_NOWARN");
        } finally {
            b.pools.close();
        }
    }

    private static byte[] tag(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    private static void checkPlacement(TestBoard b, Block blk, long seed) {
        assertEquals(blk.phys(), b.vm.toPhys(blk.cpuAddr()), () -> "CPU alias maps the block, seed " + seed);
        long nbits = (blk.size() + PAGE - 1) / PAGE;
        long align = Long.highestOneBit(nbits) == nbits ? nbits : Long.highestOneBit(nbits) << 1;
        for (AtomicPool.ChunkRecord c : b.pool(blk.pool()).chunksAdded()) {
            if (blk.phys() >= c.phys() && blk.phys() < c.phys() + c.size()) {
                assertTrue(blk.phys() + nbits * PAGE <= c.phys() + c.size(), () -> "inside its chunk, seed " + seed);
                assertEquals(blk.phys() - c.phys(), blk.cpuAddr() - c.virt());
                assertEquals(0, ((blk.phys() - c.phys()) / PAGE) % align, () -> blk + " aligned, seed " + seed);
                return;
            }
        }
        throw new AssertionError(blk + " is in no chunk of its pool, seed " + seed);
    }
}
