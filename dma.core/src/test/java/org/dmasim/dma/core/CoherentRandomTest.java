package org.dmasim.dma.core;

import org.dmasim.testing.Gfps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * Seeded random dma_alloc_coherent/dma_free_coherent across every source (buddy, default CMA,
 * per-device CMA, per-device pool, atomic pools): live buffers never overlap, and freeing
 * everything gives back exactly the free pages boot left.
 */
class CoherentRandomTest {
    @Test
    void randomAllocFreeKeepsBuffersDisjointAndConservesPages() {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("CoherentRandomTest seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        int ops = Integer.getInteger("dmasim.coherentOps", Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 100_000);
        Random rnd = new Random(seed);
        BootResult boot = Boots.boot("qemu-virt-arm64-testdevs");
        DmaApi dma = Boots.dma(boot);
        PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
        long freeAtBoot = freeNow(buddy);
        long poolsAtBoot = poolBytes(boot);
        List<DmaDevice> devs = List.of(dma.device("dma-test-nc").orElseThrow(), dma.device("dma-test-coh").orElseThrow(),
            dma.device("dma-test-cma").orElseThrow(), dma.device("dma-test-pool").orElseThrow(),
            dma.device("dma-test-bus:dma-test-dr").orElseThrow());
        int[] gfps = {Gfp.GFP_KERNEL, Gfps.GFP_ATOMIC, Gfp.GFP_NOWAIT | Gfp.__GFP_NOWARN};
        List<CoherentBuffer> live = new ArrayList<>();
        TreeMap<Long, CoherentBuffer> byPhys = new TreeMap<>();
        for (int i = 0; i < ops; i++) {
            if (!live.isEmpty() && (rnd.nextInt(100) < 45 || live.size() > 300)) {
                CoherentBuffer b = live.remove(rnd.nextInt(live.size()));
                byPhys.remove(b.phys());
                DmaDevice d = dma.device(b.device()).orElseThrow();
                dma.freeCoherent(d, b.size(), b.cpuAddr(), b.dmaHandle());
                continue;
            }
            DmaDevice d = devs.get(rnd.nextInt(devs.size()));
            long size = 1 + rnd.nextInt(rnd.nextBoolean() ? 8192 : 300_000);
            var got = dma.allocCoherent(d, size, gfps[rnd.nextInt(gfps.length)] | Gfp.__GFP_NOWARN);
            if (got.isEmpty()) {
                continue;
            }
            CoherentBuffer b = got.get();
            var below = byPhys.floorEntry(b.phys() + b.size() - 1);
            assertTrue(below == null || below.getValue().phys() + below.getValue().size() <= b.phys(),
                () -> "seed " + seed + ": " + b + " overlaps " + below.getValue());
            live.add(b);
            byPhys.put(b.phys(), b);
        }
        for (CoherentBuffer b : live) {
            dma.freeCoherent(dma.device(b.device()).orElseThrow(), b.size(), b.cpuAddr(), b.dmaHandle());
        }
        assertTrue(dma.allocations().isEmpty());
        // The atomic pools' worker grows pools for good (they never shrink): those pages stay taken.
        long grown = (poolBytes(boot) - poolsAtBoot) >>> 12;
        assertEquals(freeAtBoot - grown, freeNow(buddy), "seed " + seed + ": pages conserved");
    }

    private static long poolBytes(BootResult boot) {
        return boot.lookup(org.dmasim.api.pool.AtomicPools.class).map(p -> {
            p.flushWorker();
            return p.pools().stream().mapToLong(org.dmasim.api.pool.AtomicPools.PoolInfo::size).sum();
        }).orElse(0L);
    }

    /** NR_FREE_PAGES once the per-CPU lists are drained back into the free areas. */
    private static long freeNow(PageAllocator buddy) {
        buddy.drainAllPages();
        return buddy.freePages();
    }
}
