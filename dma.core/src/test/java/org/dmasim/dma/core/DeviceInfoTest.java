package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.Gfp;
import org.junit.jupiter.api.Test;

/** DmaApi.deviceInfo on the runtime oracle's board: every field a driver author checks. */
class DeviceInfoTest {
    private final DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs"));

    private DeviceInfoDTO info(String name) {
        return dma.deviceInfo(dma.device(name).orElseThrow());
    }

    @Test
    void aPlainDtDeviceShowsTheDefaults() {
        DeviceInfoDTO nc = info("dma-test-nc");
        assertEquals("dma-test-nc", nc.name);
        assertEquals("platform", nc.bus);
        assertEquals("/dma-test-nc", nc.ofNode);
        assertNull(nc.hostBridge);
        assertFalse(nc.coherent);
        assertEquals(0xffffffffL, nc.dmaMask);
        assertEquals(0xffffffffL, nc.coherentDmaMask);
        assertFalse(nc.singleMask);
        assertEquals(0, nc.busDmaLimit);
        assertTrue(nc.dmaRanges.isEmpty());
        assertEquals(0x10000, nc.maxSegmentSize, "dma_get_max_seg_size: SZ_64K when unset");
        assertEquals(-1L, nc.segmentBoundaryMask, "dma_get_seg_boundary: ULONG_MAX when unset (6.1)");
        assertEquals(0, nc.minAlignMask);
        assertEquals(0x1ffffffffL, nc.requiredMask);
        assertEquals("reserved", nc.cmaArea.name, "dev_get_cma_area falls back to the default area");
        assertFalse(nc.cmaArea.perDevice);
        assertEquals(0xfc000000L, nc.cmaArea.base);
        assertEquals(64L << 20, nc.cmaArea.size);
        assertNull(nc.coherentPool);
        assertEquals("direct", nc.dmaOps);
        assertTrue(nc.swiotlbActive);
        assertFalse(nc.swiotlbForceBounce);
        assertEquals(262144, nc.maxMappingSize);
        assertEquals(262144, nc.optMappingSize);
    }

    @Test
    void perDeviceCmaAndCoherentPoolAreShown() {
        DeviceInfoDTO cma = info("dma-test-cma");
        assertEquals("test-cma@58000000", cma.cmaArea.name);
        assertTrue(cma.cmaArea.perDevice);
        assertEquals(0x58000000L, cma.cmaArea.base);
        assertEquals(16L << 20, cma.cmaArea.size);

        DmaDevice poolDev = dma.device("dma-test-pool").orElseThrow();
        CoherentBuffer b = dma.allocCoherent(poolDev, 8192, Gfp.GFP_KERNEL).orElseThrow();
        DeviceInfoDTO pool = dma.deviceInfo(poolDev);
        assertEquals("test-pool@50000000", pool.coherentPool.name);
        assertEquals(0x50000000L, pool.coherentPool.phys);
        assertEquals(0x50000000L, pool.coherentPool.deviceBase);
        assertEquals(4L << 20, pool.coherentPool.size);
        assertEquals(8192, pool.coherentPool.used);
        dma.freeCoherent(poolDev, b.size(), b.cpuAddr(), b.dmaHandle());
        assertEquals(0, dma.deviceInfo(poolDev).coherentPool.used);
    }

    @Test
    void theRangeMapOfADeviceBehindABusWithDmaRanges() {
        DeviceInfoDTO dr = info("dma-test-bus:dma-test-dr");
        assertEquals(1, dr.dmaRanges.size());
        DeviceInfoDTO.DmaRangeDTO r = dr.dmaRanges.get(0);
        assertEquals(0x40000000L, r.cpuStart);
        assertEquals(0, r.dmaStart);
        assertEquals(0x80000000L, r.size);
        assertEquals(0x40000000L, r.offset);
        assertEquals(0x7fffffffL, dr.busDmaLimit);
    }

    @Test
    void dmaParmsSettersChangeWhatTheGettersAnswer() {
        DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
        assertEquals(0, dma.setMaxSegmentSize(nc, 0xffffffffL));
        assertEquals(0, dma.setSegmentBoundary(nc, 0xfffffL));
        assertEquals(0xffffffffL, info("dma-test-nc").maxSegmentSize);
        assertEquals(0xfffffL, info("dma-test-nc").segmentBoundaryMask);
        assertEquals(0, dma.setMaxSegmentSize(nc, 0));
        assertEquals(0x10000, nc.maxSegmentSize(), "0 means unset: the default again");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dma.setMaxSegmentSize(nc, 1L << 32));
        assertEquals("dma_set_max_seg_size: size 0x100000000 (expected: 0..0xffffffff, an unsigned int)",
            e.getMessage());
    }
}
