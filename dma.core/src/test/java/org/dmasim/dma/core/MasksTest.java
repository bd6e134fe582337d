package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.Gfp;
import org.junit.jupiter.api.Test;

/** The runtime oracle's "Masks and limits" table, and the x86 side of the same rules. */
class MasksTest {
    @Test
    void arm64MaskRulesMatchTheRealKernel() {
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs"));
        for (String name : new String[] {"dma-test-nc", "dma-test-coh"}) {
            DmaDevice dev = dma.device(name).orElseThrow();
            for (int bits : new int[] {24, 30}) {
                long before = dev.dmaMask();
                assertEquals(-5, dma.setMask(dev, (1L << bits) - 1), name + " " + bits);
                assertEquals(-5, dma.setCoherentMask(dev, (1L << bits) - 1));
                assertEquals(-5, dma.setMaskAndCoherent(dev, (1L << bits) - 1));
                assertEquals(before, dev.dmaMask(), "unchanged on -EIO");
            }
            for (int bits : new int[] {32, 40}) {
                assertEquals(0, dma.setMaskAndCoherent(dev, (1L << bits) - 1));
            }
            assertEquals(0, dma.setMaskAndCoherent(dev, -1L));
            assertEquals(0x1ffffffffL, dma.requiredMask(dev));
            assertEquals(-1L, dma.maxMappingSize(dev), "64-bit mask: SIZE_MAX");
            assertEquals(0, dma.setMaskAndCoherent(dev, 0xffffffffL));
            assertEquals(262144, dma.maxMappingSize(dev), "32-bit mask with swiotlb: 256 KiB");
        }
        assertEquals(128, dma.cacheAlignment());
    }

    /**
     * The real kernel: dma_set_mask(64) on a DT device leaves coherent_dma_mask at 0xffffffff, so
     * a driver that sets only the streaming mask still gets coherent memory below 4 GiB.
     */
    @Test
    void settingOnlyTheStreamingMaskKeepsCoherentAllocationsBelow4GiB() {
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs"));
        DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
        assertEquals(0, dma.setMask(nc, -1L));
        assertEquals(-1L, nc.dmaMask());
        assertEquals(0xffffffffL, nc.coherentDmaMask());
        CoherentBuffer low = dma.allocCoherent(nc, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertTrue(Long.compareUnsigned(low.phys() + 4095, 0xffffffffL) <= 0, Long.toHexString(low.phys()));
        // With both masks at 64 bits the same request is served from ZONE_NORMAL, above 4 GiB.
        assertEquals(0, dma.setMaskAndCoherent(nc, -1L));
        CoherentBuffer high = dma.allocCoherent(nc, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertTrue(Long.compareUnsigned(high.phys(), 0x100000000L) >= 0, Long.toHexString(high.phys()));
    }

    @Test
    void setMaskAndCoherentLeavesBothMasksAloneWhenTheStreamingMaskIsRefused() {
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs"));
        DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
        assertEquals(-5, dma.setMaskAndCoherent(nc, 0x3fffffffL));
        assertEquals(0xffffffffL, nc.dmaMask());
        assertEquals(0xffffffffL, nc.coherentDmaMask());
    }

    @Test
    void x86AcceptsA24BitMaskButNot20BitsAndAlignsToOneByte() {
        DmaApi dma = Boots.dma(Boots.boot("pc-x86_64"));
        DmaDevice dev = dma.createDevice(DeviceSpec.platform("isa-dma", false));
        assertTrue(dev.coherent(), "x86 devices are always coherent");
        assertEquals(0, dma.setMask(dev, 0xffffffL));
        assertEquals(-5, dma.setMask(dev, 0xfffffL));
        assertTrue(dma.supported(dev, 0xffffffL));
        assertFalse(dma.supported(dev, 0xfffffL));
        assertEquals(1, dma.cacheAlignment());
    }

    @Test
    void programmaticDevicesKeepSeparateMasks() {
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64"));
        DmaDevice dev = dma.createDevice(DeviceSpec.platform("nic", false));
        assertEquals(0, dma.setMask(dev, -1L));
        assertEquals(0xffffffffL, dev.coherentDmaMask(), "platform_dma_mask is its own storage");
    }
}
