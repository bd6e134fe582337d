package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/** of_platform_default_populate + of_dma_configure on the runtime oracle's board. */
class DevicesFromDeviceTreeTest {
    private final BootResult boot = Boots.boot("qemu-virt-arm64-testdevs");
    private final DmaApi dma = Boots.dma(boot);

    private DmaDevice dev(String name) {
        return dma.device(name).orElseThrow(() -> new AssertionError(name + " not in "
            + dma.devices().stream().map(DmaDevice::name).toList()));
    }

    @Test
    void testDevicesAreNamedAsOfDeviceMakeBusIdNamesThem() {
        List<String> names = dma.devices().stream().map(DmaDevice::name).toList();
        assertTrue(names.containsAll(List.of("dma-test-nc", "dma-test-coh", "dma-test-pool", "dma-test-cma",
            "dma-test-bus", "dma-test-bus:dma-test-dr")), names.toString());
        // Nodes with reg are named "<address>.<node name>"; the GIC is claimed by its irqchip driver.
        assertTrue(names.contains("9000000.pl011"), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.contains("intc")), names.toString());
    }

    @Test
    void coherenceComesFromDmaCoherentElseArm64DefaultsToNonCoherent() {
        assertFalse(dev("dma-test-nc").coherent());
        assertTrue(dev("dma-test-coh").coherent());
    }

    @Test
    void ofPlatformDevicesKeepTwoMasksButAmbaDevicesHaveOne() {
        DmaDevice nc = dev("dma-test-nc");
        assertEquals(0xffffffffL, nc.coherentDmaMask());
        assertEquals(0xffffffffL, nc.dmaMask());
        assertEquals(0, dma.setMask(nc, -1L));
        assertEquals(-1L, nc.dmaMask());
        assertEquals(0xffffffffL, nc.coherentDmaMask(), "platform_device_alloc: dma_mask -> platform_dma_mask");
        DmaDevice uart = dev("9000000.pl011");
        assertEquals("amba", dma.deviceInfo(uart).bus);
        assertEquals(0, dma.setMask(uart, -1L));
        assertEquals(-1L, uart.coherentDmaMask(), "of_amba_device_create: dma_mask -> coherent_dma_mask");
        assertTrue(dma.deviceInfo(uart).singleMask);
    }

    @Test
    void dmaRangesOfTheParentBusOffsetAndLimitTheDevice() {
        DmaDevice dr = dev("dma-test-bus:dma-test-dr");
        assertEquals(1, dr.dmaRanges().size());
        assertEquals(0x40000000L, dr.dmaRanges().get(0).offset());
        assertEquals(0x7fffffffL, dr.busDmaLimit());
        assertEquals(0x7fffffffL, dr.coherentDmaMask(), "masks ANDed with DMA_BIT_MASK(ilog2(end) + 1)");
    }

    @Test
    void memoryRegionsAreAssignedWithTheKernelsMessage() {
        List<String> log = boot.log().kernelText();
        assertTrue(log.contains("platform dma-test-pool: assigned reserved memory node test-pool@50000000"), log.toString());
        assertTrue(log.contains("platform dma-test-cma: assigned reserved memory node test-cma@58000000"), log.toString());
    }

    @Test
    void pciFunctionsUnderAHostBridgeBecomePciDevicesWithTheirAddress() {
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-smmuv3"));
        DmaDevice edu = dma.device("0000:00:02.0").orElseThrow();
        assertEquals(DmaDevice.Bus.PCI, edu.bus());
        assertEquals(0x10, edu.pciRid().getAsInt());
        assertEquals("/pcie@10000000", edu.pciHostBridge().orElseThrow());
        assertEquals(0xffffffffL, edu.dmaMask(), "pci_device_add: a 32-bit mask");
        assertEquals(0x10000, edu.maxSegmentSize());
        assertTrue(dma.device("4010000000.pcie").isPresent(), "the host bridge itself is a platform device");
        assertTrue(dma.device("4010000000.pcie").orElseThrow().iommus().isEmpty(), "it has no iommus property");
    }
}
