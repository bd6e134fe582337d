package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.Gfp;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * A reserved-memory pool of no bytes named by a device (found by the whole-boot fuzz: dmasim
 * tried to memremap 0 bytes and stopped the boot). 6.1 announces the pool and gives the device
 * nothing: {@code dma_init_coherent_memory} returns -EINVAL for a size of 0 before anything else,
 * {@code rmem_dma_device_init} passes that on and the device is not told it was assigned a node.
 */
class ZeroSizePoolTest {
    @Test
    void aPoolOfNoBytesIsAnnouncedAndGivesTheDeviceNothing() {
        BootResult boot = Boots.bootDts("zero-size-pool.dts");
        assertTrue(boot.ok(), () -> boot.failure().orElse(""));
        List<String> k = boot.log().kernelText();
        assertTrue(k.contains("Reserved memory: created DMA memory pool at 0x000000047f000000, size 0 MiB"),
            k.toString());
        assertTrue(k.stream().noneMatch(l -> l.contains("assigned reserved memory node empty-pool")), k.toString());
        DmaApi dma = Boots.dma(boot);
        DmaDevice dev = dma.device("dma-test-empty").orElseThrow();
        assertNull(dma.deviceInfo(dev).coherentPool, "no per-device pool");
        CoherentBuffer b = dma.allocCoherent(dev, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(4096, b.size());
        dma.freeCoherent(dev, b.size(), b.cpuAddr(), b.dmaHandle());
    }
}
