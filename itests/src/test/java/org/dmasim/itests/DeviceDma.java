package org.dmasim.itests;

import static org.junit.Assert.assertEquals;

import java.util.Random;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.platform.Platform;

/**
 * One device's DMA as a driver and its device see it: the platform's DMA API, the CPU's view of
 * memory through the kernel's linear map, and the device's own bus port (snooping the CPU cache or
 * not, as the device is coherent or not), reached through {@link DmaApi#deviceAccess} so that an
 * IOMMU translates (or refuses) each access.
 */
class DeviceDma {
    final DmaApi dma;
    final KernelVm vm;
    final DmaDevice dev;
    private final PhysMemory devicePort;

    DeviceDma(Platform p, DmaDevice dev) {
        this.dma = p.lookup(DmaApi.class).orElseThrow();
        this.vm = dma.kernelVm();
        this.dev = dev;
        this.devicePort = p.lookup(CpuCache.class).orElseThrow().device(dev.coherent());
    }

    CpuAddr kva(long phys) {
        return new CpuAddr(vm.linearAddress(phys));
    }

    /** {@code dma_map_single} that must succeed. */
    DmaAddr map(long phys, int size, DmaDirection dir) {
        DmaAddr a = dma.mapSingle(dev, kva(phys), size, dir, 0);
        assertEquals(0, dma.mappingError(dev, a));
        return a;
    }

    void cpuWrite(long phys, byte[] b) {
        vm.cpuWrite(vm.linearAddress(phys), b);
    }

    byte[] cpuRead(long phys, int n) {
        return vm.cpuRead(vm.linearAddress(phys), n);
    }

    /** The device reads {@code n} bytes at a bus address. */
    byte[] deviceRead(DmaAddr a, int n) {
        return devicePort.read(dma.deviceAccess(dev, a, n, false).value(), n);
    }

    /** The device writes {@code b} at a bus address. */
    void deviceWrite(DmaAddr a, byte[] b) {
        devicePort.write(dma.deviceAccess(dev, a, b.length, true).value(), b, 0, b.length);
    }

    /** A random payload. */
    static byte[] pattern(Random rng, int n) {
        byte[] b = new byte[n];
        rng.nextBytes(b);
        return b;
    }
}
