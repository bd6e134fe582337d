package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mm.Gfp;
import org.junit.jupiter.api.Test;

/**
 * pci_dma_configure: a PCI device takes coherence and bus window from its host bridge's node
 * (of_dma_configure on bridge->parent->of_node).
 */
class PciHostBridgeTest {
    @Test
    void aPciDeviceOnQemuVirtIsCoherentLikeItsHostBridgeAndGetsLinearMapBuffers() {
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs"));
        DmaDevice edu = dma.createDevice(DeviceSpec.pci("0000:00:02.0"));
        assertTrue(edu.coherent(), "pcie@10000000 is dma-coherent");
        assertEquals("/pcie@10000000", dma.deviceInfo(edu).hostBridge);
        assertEquals(0xffffffffL, edu.dmaMask());
        assertEquals(0xffffffffL, edu.coherentDmaMask());
        assertTrue(edu.dmaRanges().isEmpty(), "the ECAM host has no dma-ranges");
        assertEquals(0, edu.busDmaLimit());
        CoherentBuffer b = dma.allocCoherent(edu, 20 << 10, Gfp.GFP_KERNEL).orElseThrow();
        assertFalse(b.remapped());
        assertEquals(MemAttr.NORMAL, b.attr());
        assertEquals(dma.kernelVm().linearAddress(b.phys()), b.cpuAddr(), "linear map, as for dma-test-coh");
        dma.freeCoherent(edu, b.size(), b.cpuAddr(), b.dmaHandle());
    }

    @Test
    void aPciDeviceKeepsItsOwnStreamingMask() {
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs"));
        DmaDevice edu = dma.createDevice(DeviceSpec.pci("0000:00:02.0"));
        assertEquals(0, dma.setMask(edu, -1L));
        assertEquals(0xffffffffL, edu.coherentDmaMask(), "pci_device_add: dev.dma_mask = &pci_dev->dma_mask");
        DeviceInfoDTO info = dma.deviceInfo(edu);
        assertEquals(0x10000, info.maxSegmentSize);
        assertEquals(0xffffffffL, info.segmentBoundaryMask);
    }

    @Test
    void theHostBridgesDmaRangesOffsetAndLimitThePciDevice() {
        DmaApi dma = Boots.dma(Boots.bootDts("pci-host.dts"));
        DmaDevice nic = dma.createDevice(new DeviceSpec("0001:00:00.0", DmaDevice.Bus.PCI, false, List.of(),
            List.of(), "30000000.pcie"));
        assertFalse(nic.coherent(), "pcie@30000000 has no dma-coherent; arm64 defaults to non-coherent");
        assertEquals(1, nic.dmaRanges().size());
        assertEquals(0x40000000L, nic.dmaRanges().get(0).cpuStart());
        assertEquals(0, nic.dmaRanges().get(0).dmaStart(), "the space code cell is not part of the bus address");
        assertEquals(0x3fffffffL, nic.busDmaLimit());
        assertEquals(0x3fffffffL, nic.dmaMask(), "masks ANDed with DMA_BIT_MASK(ilog2(end) + 1)");
        assertEquals(0x3fffffffL, nic.coherentDmaMask());
        CoherentBuffer b = dma.allocCoherent(nic, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(b.phys() - 0x40000000L, b.dmaHandle());
        assertTrue(b.remapped(), "non-coherent: a Normal-NC alias");
        // The first host bridge is the default; it is the coherent QEMU one.
        assertTrue(dma.createDevice(DeviceSpec.pci("0000:00:01.0")).coherent());
        assertEquals("/pcie@10000000", dma.deviceInfo(dma.device("0000:00:01.0").orElseThrow()).hostBridge);
    }

    @Test
    void aSpecContradictingItsHostBridgeIsRefusedAndNothingIsRegistered() {
        DmaApi dma = Boots.dma(Boots.bootDts("pci-host.dts"));
        int before = dma.devices().size();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dma.createDevice(
            new DeviceSpec("0001:00:00.0", DmaDevice.Bus.PCI, true, List.of(), List.of(), "/pcie@30000000")));
        assertEquals("device 0001:00:00.0: coherent requested, but its host bridge /pcie@30000000 is not"
            + " dma-coherent and pci_dma_configure takes coherence from it", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> dma.createDevice(
            new DeviceSpec("0001:00:00.0", DmaDevice.Bus.PCI, false, List.of(), List.of(), "pcie@99")));
        assertEquals("device 0001:00:00.0: host bridge pcie@99 is not a PCI host controller of this platform"
            + " (expected one of [4010000000.pcie, 30000000.pcie])", e.getMessage());
        assertEquals(before, dma.devices().size());
    }

    @Test
    void onX86PciDevicesAreCoherentWithoutAHostBridgeNode() {
        DmaApi dma = Boots.dma(Boots.boot("pc-x86_64"));
        DmaDevice d = dma.createDevice(DeviceSpec.pci("0000:00:03.0"));
        assertTrue(d.coherent());
        assertEquals(null, dma.deviceInfo(d).hostBridge);
    }
}
