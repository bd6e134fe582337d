package org.dmasim.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dmapool.DmaBlock;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;

/**
 * The run-time DMA API inside Felix, driven through the services a consumer would use: a
 * coherent allocation on the runtime oracle's board, and the dma_pool backend switched from the
 * 6.1 algorithm to the 6.4 one while a consumer holds blocks.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DmaRuntimeIT extends DmasimTestSupport {
    private static final String BOARD = "qemu-virt-arm64-testdevs";

    @Test
    public void coherentAllocationComesFromTheDefaultCmaAreaAfterTheAtomicPools() throws Exception {
        createPlatform("coherent", Map.of(PlatformConfig.PROFILE, BOARD));
        ServiceReference<Platform> ref = awaitState("coherent", State.BOOTED);
        CoherentBuffer b = withPlatform(ref, p -> {
            DmaApi dma = p.lookup(DmaApi.class).orElseThrow();
            DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
            return dma.allocCoherent(nc, 20 << 10, Gfp.GFP_KERNEL).orElseThrow();
        });
        assertEquals(CoherentSource.DEFAULT_CMA, b.source());
        assertEquals(0xfc000000L + 0x180000, b.phys());
        assertTrue(b.remapped());
    }

    @Test
    public void dmapoolBackendSwitchesWhileAConsumerHoldsBlocks() throws Exception {
        createPlatform("pools", Map.of(PlatformConfig.PROFILE, BOARD));
        ServiceReference<Platform> ref = awaitState("pools", State.BOOTED);
        withPlatform(ref, p -> {
            DmaApi dma = p.lookup(DmaApi.class).orElseThrow();
            DmaPools pools = p.lookup(DmaPools.class).orElseThrow();
            DmaDevice dev = dma.device("dma-test-coh").orElseThrow();
            assertEquals("6.1", pools.backendVersion());

            DmaPool old = pools.create("o64_64_0", dev, 64, 64, 0).orElseThrow();
            List<DmaBlock> held = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                held.add(old.alloc(Gfp.GFP_KERNEL).orElseThrow());
            }
            assertEquals("6.1 packs 63 blocks of 64 bytes per page", 2, old.pages());

            pools.useBackend("6.4");
            DmaPool fresh = pools.create("n64_64_0", dev, 64, 64, 0).orElseThrow();
            assertEquals("6.4", fresh.backendVersion());
            assertEquals("the old pool stays on the backend that made it", "6.1", old.backendVersion());
            List<DmaBlock> mine = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                mine.add(fresh.alloc(Gfp.GFP_KERNEL).orElseThrow());
            }
            assertEquals("6.4 packs 64", 1, fresh.pages());

            // The consumer frees its old blocks: they go back into the 6.1 pool.
            for (DmaBlock b : held) {
                old.free(b);
            }
            assertEquals(0, old.blocksInUse());
            DmaBlock reused = old.alloc(Gfp.GFP_KERNEL).orElseThrow();
            assertTrue("6.1 reuses the last freed block of the newest page first", held.contains(reused));
            old.free(reused);
            for (DmaBlock b : mine) {
                fresh.free(b);
            }
            String sysfs = pools.poolsFile(dev).orElseThrow();
            assertTrue(sysfs, sysfs.startsWith("poolinfo - 0.1\n"));
            assertTrue(sysfs, sysfs.contains("o64_64_0") && sysfs.contains("n64_64_0"));
            old.destroy();
            fresh.destroy();
            assertFalse(pools.poolsFile(dev).isPresent());
            return null;
        });
    }
}
