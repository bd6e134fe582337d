package org.dmasim.dma.core;

import org.dmasim.testing.Gfps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/** Non-blocking coherent allocations of a non-coherent arm64 device: the runtime oracle's atomic-pool rows. */
class AtomicPoolAllocTest {
    static final long CMA_BASE = 0xfc000000L;

    private final BootResult boot = Boots.boot("qemu-virt-arm64-testdevs");
    private final DmaApi dma = Boots.dma(boot);
    private final AtomicPools pools = boot.lookup(AtomicPools.class).orElseThrow();
    private final DmaDevice nc = dma.device("dma-test-nc").orElseThrow();

    @Test
    void a32BitMaskIsServedFromTheDmaPool() {
        CoherentBuffer b = dma.allocCoherent(nc, 4096, Gfps.GFP_ATOMIC).orElseThrow();
        assertEquals(CoherentSource.ATOMIC_POOL, b.source());
        assertEquals(CMA_BASE + 0x80000, b.phys(), "the dma pool is the second chunk of the default CMA area");
        assertEquals(MemAttr.NORMAL_NC, dma.kernelVm().attr(b.cpuAddr()));
        dma.freeCoherent(nc, 4096, b.cpuAddr(), b.dmaHandle());
        assertTrue(dma.allocations().isEmpty());
    }

    @Test
    void a64BitMaskIsServedFromTheKernelPool() {
        assertEquals(0, dma.setMaskAndCoherent(nc, -1L));
        CoherentBuffer b = dma.allocCoherent(nc, 4096, Gfps.GFP_ATOMIC).orElseThrow();
        assertEquals(CMA_BASE, b.phys(), "the kernel pool is the first chunk");
    }

    @Test
    void flow2TwentyKilobytesIsAlignedTo32KilobytesInsideThePool() {
        dma.allocCoherent(nc, 4096, Gfps.GFP_ATOMIC).orElseThrow();
        CoherentBuffer b = dma.allocCoherent(nc, 20 << 10, Gfps.GFP_ATOMIC).orElseThrow();
        assertEquals(CMA_BASE + 0x80000 + 0x8000, b.phys(), "first_fit_order_align: 20 KiB aligned to 32 KiB");
    }

    @Test
    void oneMegabyteIsExhaustionAndThePoolGrowsAfterASuccessfulAllocation() {
        CoherentBuffer b = dma.allocCoherent(nc, 64 << 10, Gfps.GFP_ATOMIC).orElseThrow();
        pools.flushWorker();
        long dmaPool = pools.pools().stream().filter(p -> p.name().contains("dma") && !p.name().contains("32"))
            .mapToLong(AtomicPools.PoolInfo::size).sum();
        assertEquals(1 << 20, dmaPool, "available < atomic_pool_size after the allocation: the worker doubled it");
        assertTrue(dma.allocCoherent(nc, 1 << 20, Gfps.GFP_ATOMIC).isEmpty(), "two 512 KiB chunks cannot hold 1 MiB");
        List<String> log = boot.log().kernelText();
        assertTrue(log.contains("DMA pool exhausted for dma-test-nc"), log.subList(log.size() - 3, log.size()).toString());
        dma.freeCoherent(nc, 64 << 10, b.cpuAddr(), b.dmaHandle());
    }
}
