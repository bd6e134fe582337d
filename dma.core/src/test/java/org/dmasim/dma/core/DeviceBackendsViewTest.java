package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.Gfp;
import org.dmasim.cma.CmaBoot;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/** The device view names the ops and backend instances serving a device, and what each holds of it. */
class DeviceBackendsViewTest {
    private final BootResult boot = Boots.boot("qemu-virt-arm64-testdevs");
    private final DmaApi dma = Boots.dma(boot);

    private static List<String> rows(DeviceInfoDTO d) {
        return d.backends.stream().map(b -> b.id + " " + b.state + " " + b.held + "/" + b.heldForDevice).toList();
    }

    @Test
    void aNonCoherentDeviceIsServedBySwiotlbCmaAndTheAtomicPools() {
        DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
        CoherentBuffer b = dma.allocCoherent(nc, 20 << 10, Gfp.GFP_KERNEL).orElseThrow();
        DeviceInfoDTO d = dma.deviceInfo(nc);
        assertEquals("direct", d.dmaOps);
        assertEquals(List.of("swiotlb#1 ACTIVE 0/0", "cma#1 ACTIVE 1/1", "atomicpool#1 ACTIVE 0/0"), rows(d));

        // A new CMA instance takes new work; the old one drains what it holds of this device.
        boot.runtime().orElseThrow().startLate(new CmaBoot());
        assertEquals(List.of("swiotlb#1 ACTIVE 0/0", "cma#2 ACTIVE 0/0", "atomicpool#1 ACTIVE 0/0",
            "cma#1 DRAINING 1/1"), rows(dma.deviceInfo(nc)));
        dma.freeCoherent(nc, 20 << 10, b.cpuAddr(), b.dmaHandle());
        assertEquals(List.of("swiotlb#1 ACTIVE 0/0", "cma#2 ACTIVE 0/0", "atomicpool#1 ACTIVE 0/0"),
            rows(dma.deviceInfo(nc)), "its free went to cma#1, which is released now");
    }

    @Test
    void aCoherentDeviceNeedsNoAtomicPoolsAndCountsItsMappings() {
        DmaDevice coh = dma.device("dma-test-coh").orElseThrow();
        DeviceInfoDTO d = dma.deviceInfo(coh);
        assertEquals(List.of("swiotlb#1 ACTIVE 0/0", "cma#1 ACTIVE 0/0"), rows(d));
        assertEquals(0, d.mappings);
    }
}
