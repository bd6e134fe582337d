package org.dmasim.dma.core;

import org.dmasim.testing.Gfps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.CoherentSource;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/** Reference §13 flow 3 and the oracle's x86 row: no CMA, coherent, zones by mask. */
class CoherentAllocX86Test {
    private final BootResult boot = Boots.boot("pc-x86_64");
    private final DmaApi dma = Boots.dma(boot);
    private final PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
    private final DmaDevice pci = dma.createDevice(new DeviceSpec("0000:00:03.0", DmaDevice.Bus.PCI, false,
        java.util.List.of(), java.util.List.of()));

    @Test
    void flow3TwelveKilobytesWithA64BitMaskIsAnOrder2BlockFromNormal() {
        assertEquals(0, dma.setMaskAndCoherent(pci, -1L));
        long free = freeNow(buddy);
        CoherentBuffer b = dma.allocCoherent(pci, 12 << 10, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(CoherentSource.BUDDY, b.source());
        assertEquals(ZoneType.NORMAL, buddy.zoneOf(b.phys() >>> 12).orElseThrow());
        assertEquals(16 << 10, b.reserved(), "get_order(12K) = 2");
        assertEquals(b.phys(), b.dmaHandle());
        assertEquals(dma.kernelVm().linearAddress(b.phys()), b.cpuAddr());
        assertEquals(MemAttr.NORMAL, dma.kernelVm().attr(b.cpuAddr()));
        assertFalse(b.remapped());
        assertEquals(free - 4, freeNow(buddy));
        dma.freeCoherent(pci, 12 << 10, b.cpuAddr(), b.dmaHandle());
        assertEquals(free, freeNow(buddy), "the order-2 block went back");
    }

    @Test
    void a32BitCoherentMaskGetsDma32Pages() {
        CoherentBuffer b = dma.allocCoherent(pci, 64 << 10, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(ZoneType.DMA32, buddy.zoneOf(b.phys() >>> 12).orElseThrow());
        CoherentBuffer atomic = dma.allocCoherent(pci, 4096, Gfps.GFP_ATOMIC).orElseThrow();
        assertEquals(CoherentSource.BUDDY, atomic.source(), "x86 never needs the atomic pools");
    }

    /** NR_FREE_PAGES once the per-CPU lists are drained back into the free areas. */
    private static long freeNow(PageAllocator buddy) {
        buddy.drainAllPages();
        return buddy.freePages();
    }
}
