package org.dmasim.atomicpool;

import org.dmasim.testing.Gfps;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mem.VmArea;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.api.pool.AtomicPools.Block;
import org.dmasim.testing.FakeBootContext;
import org.dmasim.testing.FakePageAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AtomicPoolsTest {
    static final long K = 1024;
    static final long CMA = TestBoard.ARM64_CMA_BASE;
    /** What dma-direct passes for a 32-bit coherent mask on the arm64 board (zone_dma_bits 32). */
    static final int ATOMIC_DMA = Gfps.GFP_ATOMIC | Gfp.GFP_DMA;

    private final List<TestBoard> boards = new ArrayList<>();

    private TestBoard boot(TestBoard b) {
        boards.add(b);
        return b.boot();
    }

    @AfterEach
    void closeWorkers() {
        boards.forEach(b -> {
            if (b.pools != null) {
                b.pools.close();
            }
        });
    }

    @Test
    void arm64BootCarvesKernelDmaDma32FromTheStartOfCmaRemappedNormalNc() {
        TestBoard b = boot(TestBoard.arm64());
        assertEquals(List.of(
            "DMA: preallocated 512 KiB GFP_KERNEL pool for atomic allocations",
            "DMA: preallocated 512 KiB GFP_KERNEL|GFP_DMA pool for atomic allocations",
            "DMA: preallocated 512 KiB GFP_KERNEL|GFP_DMA32 pool for atomic allocations"), b.kernelLog());
        assertEquals(499712, b.pools.atomicPoolSize(), "122 pages: 1005117 managed pages / 8192");
        String[] names = {"kernel", "dma", "dma32"};
        long vmalloc = 0xffff800008000000L;
        for (int i = 0; i < 3; i++) {
            AtomicPool p = b.pool(names[i]);
            AtomicPool.ChunkRecord c = p.chunksAdded().get(0);
            assertEquals(CMA + i * 0x80000L, c.phys(), names[i]);
            assertEquals(512 * K, c.size());
            assertEquals(AtomicPool.Source.CMA, c.source());
            // vmap areas are followed by a guard page.
            assertEquals(vmalloc + i * (512 * K + 4 * K), c.virt());
            VmArea area = b.vm.findVmArea(c.virt()).orElseThrow();
            assertEquals(MemAttr.NORMAL_NC, area.attr());
            assertEquals(c.phys(), area.phys());
            assertEquals(PoolExpander.REMAP_CALLER, area.caller());
            assertArrayEquals(new long[] {c.phys(), 512 * K}, b.arch.prepared.get(i), "arch_dma_prep_coherent");
        }
        assertEquals(3 * 512 * K, b.arch.prepCoherentBytes());
        Map<String, String> debugfs = new LinkedHashMap<>();
        debugfs.put("pool_size_dma", "524288\n");
        debugfs.put("pool_size_dma32", "524288\n");
        debugfs.put("pool_size_kernel", "524288\n");
        assertEquals(debugfs, b.pools.debugfs());
        assertEquals(List.of(new AtomicPools.PoolInfo("kernel", Gfp.GFP_KERNEL, 512 * K, 512 * K),
            new AtomicPools.PoolInfo("dma", Gfp.GFP_KERNEL | Gfp.GFP_DMA, 512 * K, 512 * K),
            new AtomicPools.PoolInfo("dma32", Gfp.GFP_KERNEL | Gfp.GFP_DMA32, 512 * K, 512 * K)), b.pools.pools());
    }

    @Test
    void x86BootTakesBuddyPagesAndUsesTheLinearMap() {
        TestBoard b = boot(TestBoard.x86());
        assertEquals(List.of(
            "DMA: preallocated 1024 KiB GFP_KERNEL pool for atomic allocations",
            "DMA: preallocated 1024 KiB GFP_KERNEL|GFP_DMA pool for atomic allocations",
            "DMA: preallocated 1024 KiB GFP_KERNEL|GFP_DMA32 pool for atomic allocations"), b.kernelLog());
        for (String name : List.of("kernel", "dma", "dma32")) {
            AtomicPool.ChunkRecord c = b.pool(name).chunksAdded().get(0);
            assertEquals(AtomicPool.Source.BUDDY, c.source());
            assertEquals(b.vm.linearAddress(c.phys()), c.virt(), name + ": page_to_virt without DMA_DIRECT_REMAP");
            assertTrue(b.vm.vmAreas().isEmpty());
        }
        // alloc_pages(gfp | __GFP_NOWARN, 8): the pools' zones decide where the pages come from.
        assertEquals(List.of(new FakePageAllocator.AllocCall(Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, 8, 0x100000),
            new FakePageAllocator.AllocCall(Gfp.GFP_KERNEL | Gfp.GFP_DMA | Gfp.__GFP_NOWARN, 8, 0x100),
            new FakePageAllocator.AllocCall(Gfp.GFP_KERNEL | Gfp.GFP_DMA32 | Gfp.__GFP_NOWARN, 8, 0x1000)), b.buddy.allocCalls);
        assertEquals(3, b.arch.prepared.size(), "arch_dma_prep_coherent is called on x86 too (a no-op there)");
    }

    /** §13 flow 2 with GFP_ATOMIC: the dma pool, a 20 KiB block aligned to 32 KiB. */
    @Test
    void flow2AtomicTwentyKibIsAlignedToThirtyTwoKib() {
        TestBoard b = boot(TestBoard.arm64());
        long dmaVirt = b.pool("dma").chunksAdded().get(0).virt();
        Block first = b.pools.alloc("nc", 4 * K, ATOMIC_DMA, phys -> phys + 4 * K - 1 <= 0xffffffffL).orElseThrow();
        assertEquals(new Block(CMA + 0x80000, dmaVirt, 4 * K, "dma"), first);
        Block twenty = b.pools.alloc("nc", 20 * K, ATOMIC_DMA, phys -> phys + 20 * K - 1 <= 0xffffffffL).orElseThrow();
        assertEquals(new Block(CMA + 0x80000 + 0x8000, dmaVirt + 0x8000, 20 * K, "dma"), twenty);
        Block hole = b.pools.alloc("nc", 4 * K, ATOMIC_DMA, null).orElseThrow();
        assertEquals(CMA + 0x81000, hole.phys());
        assertEquals(MemAttr.NORMAL_NC, b.vm.attr(twenty.cpuAddr()));
        // 512 KiB - 28 KiB < atomic_pool_size (488 KiB): the third allocation scheduled the worker.
        b.pools.flushWorker();
        assertEquals(1024 * K - 28 * K, b.pool("dma").gen().avail());
        assertEquals(3, b.kernelLog().size(), "no warning");
    }

    /** Oracle: a 32-bit mask (GFP_DMA) is served at CMA +0x80000, a 64-bit mask at +0x0. */
    @Test
    void maskDecidesThePoolAsOnTheRealBoard() {
        TestBoard b = boot(TestBoard.arm64());
        assertEquals(CMA + 0x80000, b.pools.alloc("nc", 4 * K, ATOMIC_DMA, null).orElseThrow().phys());
        Block k = b.pools.alloc("nc", 4 * K, Gfps.GFP_ATOMIC, null).orElseThrow();
        assertEquals(CMA, k.phys());
        assertEquals("kernel", k.pool());
    }

    private static String poolOf(TestBoard b, long phys) {
        for (AtomicPool p : b.pools.existing()) {
            for (AtomicPool.ChunkRecord c : p.chunksAdded()) {
                if (phys >= c.phys() && phys < c.phys() + c.size()) {
                    return p.name();
                }
            }
        }
        throw new AssertionError("phys " + Long.toHexString(phys) + " is in no pool");
    }

    private static List<String> poolsTried(TestBoard b, int gfp) {
        List<String> tried = new ArrayList<>();
        Optional<Block> r = b.pools.alloc("dev", 8 * K, gfp, phys -> {
            tried.add(poolOf(b, phys));
            return false;
        });
        assertTrue(r.isEmpty());
        return tried;
    }

    /** 6.1's dma_guess_pool: first pick by zone bit, then only towards lower memory. */
    @Test
    void poolOrderPerGfpFollowsDmaGuessPoolOf61() {
        TestBoard b = boot(TestBoard.arm64());
        assertEquals(List.of("dma"), poolsTried(b, Gfps.GFP_ATOMIC | Gfp.GFP_DMA));
        assertEquals(List.of("dma32", "dma"), poolsTried(b, Gfps.GFP_ATOMIC | Gfp.GFP_DMA32));
        assertEquals(List.of("kernel", "dma32", "dma"), poolsTried(b, Gfps.GFP_ATOMIC));
        assertEquals(3, b.kernelLog().stream().filter(l -> l.equals("DMA pool exhausted for dev")).count());
        // Every rejected block was given back.
        for (AtomicPools.PoolInfo p : b.pools.pools()) {
            assertEquals(p.size(), p.available(), p.name());
        }
        b.pools.flushWorker();
        assertEquals("524288\n", b.pools.debugfs().get("pool_size_dma"), "a rejected block schedules no work");

        TestBoard x = boot(TestBoard.x86());
        assertEquals(List.of("dma"), poolsTried(x, Gfp.GFP_DMA));
        assertEquals(List.of("dma32", "dma"), poolsTried(x, Gfp.GFP_DMA32));
        assertEquals(List.of("kernel", "dma32", "dma"), poolsTried(x, 0));
    }

    @Test
    void physOkRejectionGivesTheBlockBackAndTriesTheNextPool() {
        TestBoard b = boot(TestBoard.arm64());
        long dma32Start = b.pool("dma32").chunksAdded().get(0).phys();
        Block got = b.pools.alloc("nc", 20 * K, Gfps.GFP_ATOMIC | Gfp.GFP_DMA32,
            phys -> phys < dma32Start || phys >= dma32Start + 512 * K).orElseThrow();
        assertEquals("dma", got.pool());
        assertEquals(CMA + 0x80000, got.phys());
        assertEquals(512 * K, b.pool("dma32").gen().avail());
        assertEquals(512 * K - 20 * K, b.pool("dma").gen().avail());
        assertEquals(3, b.kernelLog().size(), "no warning when a later pool succeeds");
    }

    /**
     * Oracle: 1 MiB with a 32-bit mask fails with "DMA pool exhausted" and the dma pool grows
     * to 1 MiB in the background (grown by the earlier successful allocations: 6.1 schedules
     * the worker only after a success that leaves the pool below atomic_pool_size).
     */
    @Test
    void exhaustionWarnsAndTheWorkerDoublesTheDmaPoolToOneMib() {
        TestBoard b = boot(TestBoard.arm64());
        AtomicPools pools = b.pools;
        Block twenty = pools.alloc("nc", 20 * K, ATOMIC_DMA, null).orElseThrow();
        pools.flushWorker();
        assertEquals("524288\n", pools.debugfs().get("pool_size_dma"),
            "512 KiB - 20 KiB is still >= atomic_pool_size (488 KiB): no work");
        assertTrue(pools.free(twenty.cpuAddr(), 20 * K));
        Block big = pools.alloc("nc", 64 * K, ATOMIC_DMA, null).orElseThrow();
        pools.flushWorker();
        assertEquals("1048576\n", pools.debugfs().get("pool_size_dma"));
        assertEquals("524288\n", pools.debugfs().get("pool_size_kernel"), "only pools below the threshold grow");
        assertEquals("524288\n", pools.debugfs().get("pool_size_dma32"));
        AtomicPool.ChunkRecord grown = b.pool("dma").chunksAdded().get(1);
        assertEquals(new AtomicPool.ChunkRecord(grown.virt(), CMA + 0x180000, 512 * K, AtomicPool.Source.CMA), grown);
        assertEquals(MemAttr.NORMAL_NC, b.vm.attr(grown.virt()));
        assertTrue(pools.free(big.cpuAddr(), 64 * K));

        Optional<Block> mib = pools.alloc("nc", 1024 * K, ATOMIC_DMA, null);
        assertTrue(mib.isEmpty(), "two 512 KiB chunks cannot hold 1 MiB");
        assertEquals("DMA pool exhausted for nc", b.kernelLog().get(b.kernelLog().size() - 1));
        assertEquals(org.dmasim.api.platform.LogLine.Level.WARNING,
            b.ctx.log().lines().get(b.ctx.log().lines().size() - 1).level());
        assertTrue(pools.alloc("nc", 1024 * K, ATOMIC_DMA | Gfp.__GFP_NOWARN, null).isEmpty());
        assertEquals(4, b.kernelLog().size(), "__GFP_NOWARN silences the exhaustion warning");
        pools.flushWorker();
        assertEquals("1048576\n", pools.debugfs().get("pool_size_dma"), "a failure schedules no work");

        // The new chunk is at the head of the genpool list: it serves first.
        assertEquals(CMA + 0x180000, pools.alloc("nc", 4 * K, ATOMIC_DMA, null).orElseThrow().phys());
    }

    @Test
    void workerDoublesUntilChunksReachMaxOrder() {
        TestBoard b = boot(TestBoard.arm64("coherent_pool=4M", TestBoard.ARM64_CMA_BASE >>> 12));
        assertEquals("DMA: preallocated 4096 KiB GFP_KERNEL pool for atomic allocations", b.kernelLog().get(0));
        AtomicPools pools = b.pools;
        pools.alloc("nc", 4 * K, Gfps.GFP_ATOMIC, null).orElseThrow();
        pools.flushWorker();
        assertEquals("8388608\n", pools.debugfs().get("pool_size_kernel"));
        // The new 4 MiB chunk is first in the list and takes a whole-chunk request.
        Block whole = pools.alloc("nc", 4096 * K, Gfps.GFP_ATOMIC, null).orElseThrow();
        assertEquals(b.pool("kernel").chunksAdded().get(1).phys(), whole.phys());
        pools.flushWorker();
        // gen_pool_size is 8 MiB but a chunk is at most order 10 = 4 MiB.
        assertEquals("12582912\n", pools.debugfs().get("pool_size_kernel"));
        assertEquals(List.of(4096 * K, 4096 * K, 4096 * K),
            b.pool("kernel").chunksAdded().stream().map(AtomicPool.ChunkRecord::size).toList());
        assertEquals(12 * 1024 * K, b.pool("kernel").gen().size());
    }

    @Test
    void workerRetriesSmallerOrdersFromTheBuddyAllocator() {
        TestBoard b = boot(TestBoard.x86());
        b.buddy.maxOrderThatWorks = 5;
        b.buddy.allocCalls.clear();
        // 1 MiB - 64 KiB is below atomic_pool_size (245 pages = 980 KiB).
        b.pools.alloc("nic", 64 * K, Gfps.GFP_ATOMIC, null).orElseThrow();
        b.pools.flushWorker();
        List<Integer> orders = b.buddy.allocCalls.stream().map(FakePageAllocator.AllocCall::order).toList();
        assertEquals(List.of(8, 7, 6, 5), orders);
        assertTrue(b.buddy.allocCalls.stream().allMatch(c -> c.gfp() == (Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN)));
        assertEquals(128 * K, b.pool("kernel").chunksAdded().get(1).size());
        assertEquals(String.valueOf(1024 * K + 128 * K) + "\n", b.pools.debugfs().get("pool_size_kernel"));
        assertEquals(3, b.kernelLog().size(), "a worker expansion logs nothing");
    }

    @Test
    void workerFailureIsSilentAndThePoolKeepsItsSize() {
        TestBoard b = boot(TestBoard.x86());
        b.buddy.maxOrderThatWorks = -1;
        b.buddy.allocCalls.clear();
        Block blk = b.pools.alloc("nic", 64 * K, Gfps.GFP_ATOMIC, null).orElseThrow();
        b.pools.flushWorker();
        assertEquals(List.of(8, 7, 6, 5, 4, 3, 2, 1, 0), b.buddy.allocCalls.stream().map(FakePageAllocator.AllocCall::order).toList());
        assertEquals("1048576\n", b.pools.debugfs().get("pool_size_kernel"));
        assertEquals(3, b.kernelLog().size());
        assertTrue(b.pools.free(blk.cpuAddr(), 64 * K));
    }

    /** CMA serves a pool (at boot and in the worker) only when the area lies inside its zone. */
    @Test
    void cmaOnlyWhenItLiesInThePoolsZone() {
        // Default CMA in ZONE_NORMAL (above 4 GiB): only the kernel pool may use it.
        TestBoard b = boot(TestBoard.arm64("", 0x130000));
        assertEquals(AtomicPool.Source.CMA, b.pool("kernel").chunksAdded().get(0).source());
        assertEquals(0x130000L << 12, b.pool("kernel").chunksAdded().get(0).phys());
        assertEquals(AtomicPool.Source.BUDDY, b.pool("dma").chunksAdded().get(0).source());
        assertEquals(AtomicPool.Source.BUDDY, b.pool("dma32").chunksAdded().get(0).source());
        b.buddy.allocCalls.clear();
        b.pools.alloc("nc", 64 * K, ATOMIC_DMA, null).orElseThrow();
        b.pools.flushWorker();
        assertEquals(List.of(new FakePageAllocator.AllocCall(Gfp.GFP_KERNEL | Gfp.GFP_DMA | Gfp.__GFP_NOWARN, 7,
            b.pool("dma").chunksAdded().get(1).phys() >>> 12)), b.buddy.allocCalls);
        assertEquals(AtomicPool.Source.BUDDY, b.pool("dma").chunksAdded().get(1).source());
    }

    @Test
    void noPoolAtAllGivesFailedToGetSuitablePool() {
        TestBoard b = TestBoard.arm64();
        b.cma.failAll = true;
        b.buddy.maxOrderThatWorks = -1;
        boot(b);
        assertEquals(List.of(
            "DMA: failed to allocate 488 KiB GFP_KERNEL pool for atomic allocation",
            "DMA: failed to allocate 488 KiB GFP_KERNEL|GFP_DMA pool for atomic allocation",
            "DMA: failed to allocate 488 KiB GFP_KERNEL|GFP_DMA32 pool for atomic allocation"), b.kernelLog());
        assertEquals(org.dmasim.api.platform.LogLine.Level.ERR, b.ctx.log().lines().get(0).level());
        assertTrue(b.pools.pools().isEmpty());
        assertEquals(Map.of("pool_size_dma", "0\n", "pool_size_dma32", "0\n", "pool_size_kernel", "0\n"),
            b.pools.debugfs());
        assertTrue(b.pools.alloc("nc", 4 * K, Gfps.GFP_ATOMIC, null).isEmpty());
        assertTrue(b.pools.alloc("nc", 4 * K, ATOMIC_DMA | Gfp.__GFP_NOWARN, null).isEmpty());
        assertEquals(List.of("Failed to get suitable pool for nc", "Failed to get suitable pool for nc"),
            b.kernelLog().subList(3, 5), "the missing-pool WARN ignores __GFP_NOWARN");
        assertFalse(b.pools.contains(0xffff800008000000L));
        assertFalse(b.pools.free(0xffff800008000000L, 4 * K));
    }

    @Test
    void missingDma32PoolIsNoSuitablePoolForGfpDma32AndSkippedInTheChain() {
        TestBoard b = TestBoard.arm64();
        b.cma.allocBudget = 2;
        b.buddy.maxOrderThatWorks = -1;
        boot(b);
        assertEquals("DMA: failed to allocate 488 KiB GFP_KERNEL|GFP_DMA32 pool for atomic allocation",
            b.kernelLog().get(2));
        assertTrue(b.pools.alloc("nc", 4 * K, Gfps.GFP_ATOMIC | Gfp.GFP_DMA32, null).isEmpty());
        assertEquals("Failed to get suitable pool for nc", b.kernelLog().get(3));
        assertEquals(List.of("kernel", "dma"), poolsTried(b, Gfps.GFP_ATOMIC));
        assertEquals("0\n", b.pools.debugfs().get("pool_size_dma32"));
    }

    @Test
    void freeAndContains() {
        TestBoard b = boot(TestBoard.arm64());
        AtomicPools pools = b.pools;
        Block blk = pools.alloc("nc", 12 * K, ATOMIC_DMA, null).orElseThrow();
        assertTrue(pools.contains(blk.cpuAddr()));
        assertTrue(pools.contains(blk.cpuAddr() + 100 * K), "any address of a pool chunk");
        long linear = b.vm.linearAddress(blk.phys());
        assertFalse(pools.contains(linear), "the linear alias of a pool page is not a pool address");
        assertFalse(pools.free(linear, 12 * K));
        assertFalse(pools.free(0xffff800009000000L, 4 * K));

        long avail = b.pool("dma").gen().avail();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> pools.free(blk.cpuAddr(), 4 * K));
        assertTrue(e.getMessage().contains("atomic_pool_dma") && e.getMessage().contains("not 4096"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pools.free(blk.cpuAddr() + 4 * K, 8 * K));
        assertTrue(e.getMessage().contains("not the start of an allocated block"), e.getMessage());
        assertEquals(avail, b.pool("dma").gen().avail(), "misuse changes nothing");

        assertTrue(pools.free(blk.cpuAddr(), 12 * K));
        assertEquals(512 * K, b.pool("dma").gen().avail());
        e = assertThrows(IllegalArgumentException.class, () -> pools.free(blk.cpuAddr(), 12 * K));
        assertTrue(e.getMessage().contains(String.format("%#x", blk.cpuAddr())), e.getMessage());
    }

    @Test
    void blockIsZeroedThroughItsCpuAliasForItsRequestedSizeOnly() {
        TestBoard b = boot(TestBoard.arm64());
        long chunkPhys = b.pool("kernel").chunksAdded().get(0).phys();
        b.vm.ram.fill(chunkPhys, 16 * K, (byte) 0x5a);
        Block blk = b.pools.alloc("nc", 5000, Gfps.GFP_ATOMIC, null).orElseThrow();
        assertEquals(chunkPhys, blk.phys());
        byte[] expect = new byte[5000];
        assertArrayEquals(expect, b.vm.cpuRead(blk.cpuAddr(), 5000));
        assertEquals(0x5a, b.vm.ram.read(chunkPhys + 5000, 1)[0], "memset(cpu_addr, 0, size) stops at size");
    }

    @Test
    void misuseOfAllocIsRejected() {
        TestBoard b = boot(TestBoard.arm64());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> b.pools.alloc("nc", -4096, Gfps.GFP_ATOMIC, null));
        assertTrue(e.getMessage().contains("-4096"), e.getMessage());
        assertThrows(NullPointerException.class, () -> b.pools.alloc(null, 4096, Gfps.GFP_ATOMIC, null));
        // size 0: gen_pool_alloc returns 0 from every pool.
        assertTrue(b.pools.alloc("nc", 0, Gfps.GFP_ATOMIC, null).isEmpty());
        assertEquals("DMA pool exhausted for nc", b.kernelLog().get(3));
        for (AtomicPools.PoolInfo p : b.pools.pools()) {
            assertEquals(p.size(), p.available());
        }
    }

    @Test
    void closeStopsTheWorkerButNotTheAllocator() {
        TestBoard b = boot(TestBoard.arm64());
        b.pools.close();
        Block blk = b.pools.alloc("nc", 64 * K, ATOMIC_DMA, null).orElseThrow();
        b.pools.flushWorker();
        assertEquals("524288\n", b.pools.debugfs().get("pool_size_dma"));
        assertTrue(b.pools.free(blk.cpuAddr(), 64 * K));
    }

    @Test
    void noPoolsWithoutDmaCoherentPool() {
        TestBoard b = TestBoard.arm64();
        FakeBootContext ctx = new FakeBootContext(new org.dmasim.api.platform.PlatformSpec("nopool",
            b.ctx.spec().arch(), Optional.empty(), List.of(), List.of(), b.ctx.spec().cmdline(),
            b.ctx.spec().kconfig().with("DMA_COHERENT_POOL", "n"), 1, Map.of()));
        new AtomicPoolBoot().run(org.dmasim.api.boot.BootPhase.ATOMIC_POOLS, ctx);
        assertTrue(ctx.get(AtomicPools.class).isEmpty());
        assertTrue(ctx.log().lines().isEmpty());
    }
}
