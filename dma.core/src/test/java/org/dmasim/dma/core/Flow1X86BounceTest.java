package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.api.swiotlb.SwiotlbStats;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * Worked flow 1 of the reference: an x86_64 machine with RAM far above 4 GiB, no IOMMU, a PCI NIC
 * left at its 32-bit mask, {@code dma_map_single} of a 1500-byte skb at physical 0x3_2000_0000.
 * {@code dma_capable} fails, swiotlb is active, one slot (1500 < 2048, stride 1) next fit from the
 * area's cursor, 1500 bytes copied in, the handle is the bounce buffer below 4 GiB. Unmap of
 * TO_DEVICE copies nothing; the same with FROM_DEVICE copies in at map and back at unmap. Every
 * copy is counted for the device.
 */
class Flow1X86BounceTest {
    private static final long SKB = 0x320000000L;
    private final BootResult boot = Boots.boot("pc-x86_64", "mem", "2G@0x100000,14G@0x100000000");
    private final DmaApi dma = Boots.dma(boot);
    private final KernelVm vm = dma.kernelVm();
    private final CpuCache cache = boot.lookup(CpuCache.class).orElseThrow();
    private final SwiotlbPool tlb = boot.lookup(SwiotlbPool.class).orElseThrow();
    private final DmaDevice nic = dma.createDevice(DeviceSpec.pci("nic"));

    private static byte[] frame(int seed) {
        byte[] b = new byte[1500];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i ^ seed);
        }
        return b;
    }

    @Test
    void aThirtyTwoBitNicBouncesAFrameAboveFourGigabytesWithEveryCopyCounted() {
        assertTrue(boot.log().kernelText().contains("PCI-DMA: Using software bounce buffering for IO (SWIOTLB)"));
        assertTrue(tlb.end() <= 0x100000000L, "the pool is low memory");
        assertEquals(0xffffffffL, nic.dmaMask());
        vm.cpuWrite(vm.linearAddress(SKB), frame(1));
        DmaAddr tx = dma.mapSingle(nic, new CpuAddr(vm.linearAddress(SKB)), 1500, DmaDirection.TO_DEVICE, 0);
        assertEquals(tlb.start(), tx.value(), "slot 0 of area 0: the bounce buffer's physical address");
        assertArrayEquals(frame(1), cache.device(true).read(dma.deviceAccess(nic, tx, 1500).value(), 1500));
        assertEquals(1, tlb.stats().used());
        dma.unmapSingle(nic, tx, 1500, DmaDirection.TO_DEVICE, 0);

        DmaAddr rx = dma.mapSingle(nic, new CpuAddr(vm.linearAddress(SKB)), 1500, DmaDirection.FROM_DEVICE, 0);
        assertEquals(tlb.start() + 2048, rx.value(), "next fit: the cursor moved past slot 0");
        cache.device(true).write(dma.deviceAccess(nic, rx, 1500).value(), frame(2));
        dma.unmapSingle(nic, rx, 1500, DmaDirection.FROM_DEVICE, 0);
        assertArrayEquals(frame(2), vm.cpuRead(vm.linearAddress(SKB), 1500), "unmap copied the received frame back");

        SwiotlbStats s = tlb.stats();
        assertEquals(0, s.used());
        assertEquals(2, s.areas().get(0).cursor());
        assertEquals(new SwiotlbStats.DeviceBounces("nic", 2, 0, 0, 2, 3000, 1, 1500), s.devices().get(0));
        int[] runs = tlb.freeRuns();
        assertEquals(128, runs[0], "slot 0's run merged back to a whole free segment");
        assertEquals(127, runs[1]);
    }
}
