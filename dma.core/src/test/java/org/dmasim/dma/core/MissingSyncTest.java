package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * One small driver that keeps a streaming mapping of a 256-byte buffer (four 64-byte lines) and
 * reuses it, in each direction, with and without the syncs the DMA API asks for: on a
 * non-coherent arm64 device the forgotten sync shows as stale lines (the CPU reads its cached
 * copy under what the device wrote; the device reads RAM under the CPU's dirty lines), and the
 * same driver with its syncs gets every byte; on x86, where devices snoop, both versions get every
 * byte. Nothing bounces here (64-bit masks, RAM the device reaches).
 */
class MissingSyncTest {
    private static final int LEN = 256;

    /** The driver: its device, one page, and whether it does the syncs. */
    private record Driver(BootResult boot, DmaApi dma, DmaDevice dev, long buf, boolean syncs) {
        static Driver on(BootResult boot, DmaDevice dev, boolean syncs) {
            DmaApi dma = Boots.dma(boot);
            assertEquals(0, dma.setMaskAndCoherent(dev, -1L));
            long pfn = boot.lookup(PageAllocator.class).orElseThrow().allocPages(Gfp.GFP_KERNEL, 0);
            return new Driver(boot, dma, dev, dma.kernelVm().linearAddress(Page.pfnPhys(pfn)), syncs);
        }

        KernelVm vm() {
            return dma.kernelVm();
        }

        CpuCache cache() {
            return boot.lookup(CpuCache.class).orElseThrow();
        }

        DmaAddr map(DmaDirection dir) {
            vm().cpuFill(buf, LEN, (byte) 0); // the driver clears its buffer: its lines are in the cache now
            DmaAddr a = dma.mapSingle(dev, new CpuAddr(buf), LEN, dir, 0);
            assertEquals(0, dma.mappingError(dev, a));
            assertEquals(vm().toPhys(buf), dma.deviceAccess(dev, a, LEN).value(), "not bounced");
            return a;
        }

        /** The CPU fills the buffer for the device: a dma_sync_single_for_device first, if the driver does it. */
        void cpuSends(DmaAddr a, DmaDirection dir, byte[] data) {
            vm().cpuWrite(buf, data);
            if (syncs) {
                dma.syncSingleForDevice(dev, a, LEN, dir);
            }
        }

        /** The CPU reads what the device sent: a dma_sync_single_for_cpu first, if the driver does it. */
        byte[] cpuReceives(DmaAddr a, DmaDirection dir) {
            if (syncs) {
                dma.syncSingleForCpu(dev, a, LEN, dir);
            }
            return vm().cpuRead(buf, LEN);
        }

        byte[] deviceReads(DmaAddr a) {
            return cache().device(dev.coherent()).read(dma.deviceAccess(dev, a, LEN).value(), LEN);
        }

        void deviceWrites(DmaAddr a, byte[] data) {
            cache().device(dev.coherent()).write(dma.deviceAccess(dev, a, LEN).value(), data);
        }
    }

    private static byte[] fill(int value) {
        byte[] b = new byte[LEN];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static BootResult arm64() {
        return Boots.boot("qemu-virt-arm64-testdevs");
    }

    private static Driver arm64Driver(boolean syncs) {
        BootResult boot = arm64();
        return Driver.on(boot, Boots.dma(boot).device("dma-test-nc").orElseThrow(), syncs);
    }

    private static Driver x86Driver(boolean syncs) {
        BootResult boot = Boots.boot("pc-x86_64");
        return Driver.on(boot, Boots.dma(boot).createDevice(DeviceSpec.pci("drv")), syncs);
    }

    /** TO_DEVICE, a transmit buffer reused: the device reads what the CPU wrote since the map. */
    private static CacheStats transmit(Driver d) {
        DmaAddr a = d.map(DmaDirection.TO_DEVICE);
        CacheStats before = d.cache().stats();
        d.cpuSends(a, DmaDirection.TO_DEVICE, fill(0x11));
        byte[] seen = d.deviceReads(a);
        CacheStats delta = d.cache().stats().since(before);
        d.dma().unmapSingle(d.dev(), a, LEN, DmaDirection.TO_DEVICE, 0);
        boolean correct = Arrays.equals(fill(0x11), seen);
        assertEquals(delta.staleDeviceReads() == 0, correct, "stale lines counted exactly when the bytes are wrong");
        return correct ? null : delta;
    }

    /** FROM_DEVICE, a receive buffer reused: the CPU reads what the device wrote. */
    private static CacheStats receive(Driver d) {
        DmaAddr a = d.map(DmaDirection.FROM_DEVICE);
        CacheStats before = d.cache().stats();
        d.deviceWrites(a, fill(0x22));
        byte[] seen = d.cpuReceives(a, DmaDirection.FROM_DEVICE);
        CacheStats delta = d.cache().stats().since(before);
        d.dma().unmapSingle(d.dev(), a, LEN, DmaDirection.FROM_DEVICE, 0);
        boolean correct = Arrays.equals(fill(0x22), seen);
        assertEquals(delta.staleCpuReads() == 0, correct, "stale lines counted exactly when the bytes are wrong");
        return correct ? null : delta;
    }

    /** BIDIRECTIONAL, a command buffer: the CPU writes a request, the device answers in place. */
    private static CacheStats[] exchange(Driver d) {
        DmaAddr a = d.map(DmaDirection.BIDIRECTIONAL);
        CacheStats before = d.cache().stats();
        d.cpuSends(a, DmaDirection.BIDIRECTIONAL, fill(0x33));
        boolean requestSeen = Arrays.equals(fill(0x33), d.deviceReads(a));
        CacheStats toDevice = d.cache().stats().since(before);
        before = d.cache().stats();
        d.deviceWrites(a, fill(0x44));
        boolean answerSeen = Arrays.equals(fill(0x44), d.cpuReceives(a, DmaDirection.BIDIRECTIONAL));
        CacheStats toCpu = d.cache().stats().since(before);
        d.dma().unmapSingle(d.dev(), a, LEN, DmaDirection.BIDIRECTIONAL, 0);
        assertEquals(toDevice.staleDeviceReads() == 0, requestSeen);
        assertEquals(toCpu.staleCpuReads() == 0, answerSeen);
        return new CacheStats[] {requestSeen ? null : toDevice, answerSeen ? null : toCpu};
    }

    @Test
    void toDevice_missingSyncOnNonCoherentArm64_deviceReadsStaleRam_eachLine() {
        CacheStats stale = transmit(arm64Driver(false));
        assertEquals(4, stale.staleDeviceReads(), "the four dirty 64-byte lines the device read under");
        assertEquals(null, transmit(arm64Driver(true)), "dma_sync_single_for_device cleans them");
    }

    @Test
    void fromDevice_missingSyncOnNonCoherentArm64_cpuReadsItsStaleCache_eachLine() {
        CacheStats stale = receive(arm64Driver(false));
        assertEquals(4, stale.staleCpuReads());
        assertEquals(null, receive(arm64Driver(true)), "dma_sync_single_for_cpu invalidates them");
    }

    @Test
    void bidirectional_missingSyncsOnNonCoherentArm64_staleBothWays() {
        CacheStats[] stale = exchange(arm64Driver(false));
        assertEquals(4, stale[0].staleDeviceReads());
        assertEquals(4, stale[1].staleCpuReads());
        CacheStats[] clean = exchange(arm64Driver(true));
        assertEquals(null, clean[0]);
        assertEquals(null, clean[1]);
    }

    @Test
    void onX86_theSameDriverGetsEveryByteWithAndWithoutSyncs() {
        for (boolean syncs : new boolean[] {false, true}) {
            Driver d = x86Driver(syncs);
            assertTrue(d.dev().coherent());
            assertEquals(null, transmit(d));
            assertEquals(null, receive(d));
            CacheStats[] both = exchange(d);
            assertEquals(null, both[0]);
            assertEquals(null, both[1]);
            assertFalse(d.dma().needSync(d.dev(), new DmaAddr(d.vm().toPhys(d.buf()))), "syncs are no-ops on x86");
        }
    }
}
