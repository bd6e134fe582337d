package org.dmasim.dma.core;

import org.dmasim.testing.Gfps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * Reference §13 flow 7: with 8 GiB the three atomic pools are 1024 KiB each (on arm64 the DMA32
 * pool exists although its zone is empty), and a pool whose available bytes drop below the
 * initial size after an allocation is doubled by the worker.
 */
class Flow7AtomicPoolsTest {
    @Test
    void eightGigabytesGiveThreeOneMegabytePoolsThatDoubleInTheWorker() {
        BootResult boot = Boots.boot("qemu-virt-arm64-testdevs", "mem", "8G@0x40000000");
        AtomicPools pools = boot.lookup(AtomicPools.class).orElseThrow();
        List<AtomicPools.PoolInfo> info = pools.pools();
        assertEquals(3, info.size(), info.toString());
        info.forEach(p -> assertEquals(1 << 20, p.size(), p.toString()));
        assertTrue(boot.log().kernelText().contains("DMA: preallocated 1024 KiB GFP_KERNEL|GFP_DMA32 pool for atomic allocations"));

        DmaApi dma = Boots.dma(boot);
        DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
        assertEquals(0, dma.setMaskAndCoherent(nc, -1L));
        dma.allocCoherent(nc, 64 << 10, Gfps.GFP_ATOMIC).orElseThrow();
        pools.flushWorker();
        long kernelPool = pools.pools().stream().filter(p -> p.gfp() == Gfp.GFP_KERNEL)
            .mapToLong(AtomicPools.PoolInfo::size).sum();
        assertEquals(2 << 20, kernelPool, "the kernel pool (64-bit mask) was doubled");
    }
}
