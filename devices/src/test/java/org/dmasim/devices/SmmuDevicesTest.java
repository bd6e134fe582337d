package org.dmasim.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.iommu.IommuCounters;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.devices.api.BlockConfig;
import org.dmasim.devices.api.BlockDriver;
import org.dmasim.devices.api.NetDriver;
import org.dmasim.devices.api.NicConfig;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.iommu.smmu.SmmuBoot;
import org.dmasim.mm.slab.SlabBoot;
import org.dmasim.platform.oracle.BootedPlatform;
import org.dmasim.platform.oracle.Platforms;
import org.junit.jupiter.api.Test;

/**
 * The device models of the streaming issue, unchanged, behind the SMMUv3 of
 * qemu-virt-arm64-smmuv3 (issue 9: "their bus addresses are IOVAs now"): the ring NIC on the edu
 * function 0000:00:02.0 and the scatter-gather block device on a second function 0000:00:03.0,
 * each in its own IOMMU group. Every byte crosses; every bus address the drivers hand the engines
 * is an IOVA that the SMMU translates (none is the buffer's physical address), with no fault.
 */
class SmmuDevicesTest {
    private final DeviceModelsComponent models = new DeviceModelsComponent();
    private final BootedPlatform p = new BootedPlatform("qemu-virt-arm64-smmuv3", Platforms.bootProfile(
        "qemu-virt-arm64-smmuv3", Map.of(), new DmaCoreBoot(), new SlabBoot(), new SmmuBoot()));
    private final DmaApi dma = Boards.dma(p);
    private final Iommu iommu = p.lookup(Iommu.class).orElseThrow();

    /** The handle is an IOVA of the device's domain: the page table maps it, to the buffer's memory. */
    private void assertIova(DmaDevice dev, long handle, long phys) {
        assertNotEquals(phys, handle, "a bus address that is not the physical one");
        assertEquals(1, iommu.pageTable(dev, handle & ~0xfffL, 4096).stream().filter(l -> !l.startsWith("walk ")).count(), String.format("%#x is mapped", handle));
        assertEquals(phys, dma.deviceAccess(dev, new org.dmasim.api.addr.DmaAddr(handle), 1).value());
    }

    @Test
    void theRingNicMovesEveryByteThroughIovas() {
        DmaDevice edu = dma.device("0000:00:02.0").orElseThrow();
        NetDriver nic = models.probeNic(p, edu.name(), NicConfig.of(64));
        assertEquals("iommu", dma.dmaOps(edu).orElseThrow().name());
        IommuCounters before = iommu.counters();
        List<byte[]> sent = List.of(RingNicTest.frame(60, 1), RingNicTest.frame(1514, 2), RingNicTest.frame(333, 3));
        for (byte[] f : sent) {
            assertEquals(NetDriver.NETDEV_TX_OK, nic.xmit(f));
        }
        List<byte[]> wire = nic.wire();
        assertEquals(sent.size(), wire.size());
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), wire.get(i), "frame " + i);
        }
        for (int round = 0; round < 3; round++) {
            List<byte[]> in = List.of(RingNicTest.frame(64 + round, 10 * round), RingNicTest.frame(1500, 10 * round + 1),
                RingNicTest.frame(900, 10 * round + 2));
            in.forEach(f -> assertTrue(nic.receive(f)));
            List<byte[]> got = nic.poll(64);
            assertEquals(in.size(), got.size());
            for (int i = 0; i < in.size(); i++) {
                assertArrayEquals(in.get(i), got.get(i), "round " + round + " frame " + i);
            }
        }
        IommuCounters after = iommu.counters();
        assertTrue(after.translations() > before.translations(), "the engine's accesses went through the SMMU");
        assertEquals(before.faults(), after.faults());
        List<StreamingMapping> rx = dma.mappings().stream().filter(m -> m.device() == edu).toList();
        assertFalse(rx.isEmpty(), "the RX buffers stay mapped");
        for (StreamingMapping m : rx) {
            assertIova(edu, m.dmaHandle(), m.phys());
            assertTrue(m.dmaHandle() < 0x100000000L && m.dmaHandle() >= 0xf0000000L, String.format(
                "%#x: PCI, 32-bit first, top-down", m.dmaHandle()));
        }
        List<CoherentBuffer> rings = dma.allocations().stream().filter(b -> b.device().equals(edu.name())).toList();
        assertFalse(rings.isEmpty());
        for (CoherentBuffer b : rings) {
            assertIova(edu, b.dmaHandle(), dma.kernelVm().toPhys(b.cpuAddr()));
        }
        nic.remove();
        assertTrue(dma.mappings().isEmpty());
    }

    @Test
    void theSgBlockDeviceOnASecondFunctionTransfersScatteredPagesThroughItsOwnDomain() {
        DmaDevice blkDev = dma.createDevice(DeviceSpec.pci("0000:00:03.0"));
        assertEquals(1, iommu.group(blkDev).orElseThrow().id(), "its own group");
        BlockDriver blk = models.probeBlock(p, blkDev.name(), BlockConfig.of(64));
        PageAllocator pages = p.lookup(PageAllocator.class).orElseThrow();
        long[] phys = new long[3];
        for (int i = 0; i < 3; i++) {
            phys[i] = Page.pfnPhys(pages.allocPages(Gfp.GFP_KERNEL, 0));
            pages.allocPages(Gfp.GFP_KERNEL, 0); // not neighbours
        }
        long[] len = {4096, 2048, 4096};
        byte[][] parts = {SgBlockTest.data(4096, 1), SgBlockTest.data(2048, 2), SgBlockTest.data(4096, 3)};
        for (int i = 0; i < 3; i++) {
            dma.kernelVm().cpuWrite(dma.kernelVm().linearAddress(phys[i]), parts[i]);
        }
        IommuCounters before = iommu.counters();
        assertEquals(0, blk.transfer(true, 8, SgTable.of(phys, len)));
        byte[] medium = blk.hw().readMedium(8, 10240);
        assertArrayEquals(parts[0], java.util.Arrays.copyOfRange(medium, 0, 4096));
        assertArrayEquals(parts[1], java.util.Arrays.copyOfRange(medium, 4096, 6144));
        assertArrayEquals(parts[2], java.util.Arrays.copyOfRange(medium, 6144, 10240));
        long[] back = new long[3];
        for (int i = 0; i < 3; i++) {
            back[i] = Page.pfnPhys(pages.allocPages(Gfp.GFP_KERNEL, 0));
            pages.allocPages(Gfp.GFP_KERNEL, 0);
        }
        assertEquals(0, blk.transfer(false, 8, SgTable.of(back, len)));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(parts[i], dma.kernelVm().cpuRead(dma.kernelVm().linearAddress(back[i]), (int) len[i]),
                "entry " + i);
        }
        IommuCounters after = iommu.counters();
        assertTrue(after.translations() - before.translations() >= 6, "every page of both requests was translated");
        assertEquals(before.faults(), after.faults());
        assertTrue(dma.mappings().isEmpty(), "each request was unmapped");
        assertEquals(List.of(), iommu.pageTable(blkDev, 0xfff00000L, 0x100000).stream().filter(l -> !l.startsWith("walk ")).toList(),
            "strict unmaps left no leaf in the block device's domain");
        blk.remove();
    }
}
