package org.dmasim.devices;

import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.PhysAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.devices.api.BusLimits;
import org.dmasim.devices.api.BusMaster;
import org.dmasim.devices.api.DeviceError;
import org.dmasim.devices.api.DmaDescriptor;

/**
 * A device's DMA engine on the platform's bus.
 *
 * <p>Model: the engine knows bus addresses only. An access of {@code len} bytes at a bus address is
 * cut into bursts that stay inside one 4 KiB-aligned block of bus addresses (PCIe forbids a memory
 * request to cross 4 KiB; an AXI master keeps bursts inside 4 KiB too). For each burst the engine
 * drives the address on its {@code addressBits} lines (the higher bits do not exist: the address is
 * truncated, see {@link BusMaster}), the platform's DMA API translates it
 * ({@code DmaApi.deviceAccess}: a dma-ranges offset, or an IOMMU's page tables; never computed here),
 * and memory answers through the device's port: a snooping port for a coherent device, RAM only
 * for a non-coherent one. Translating per burst is what keeps an IOMMU's page-by-page mapping
 * right when it comes.
 *
 * <p>A translation fault, or a physical address where no RAM is (the interconnect's decode
 * error), ends the access with a bus error after the bursts before it were done, as on hardware.
 */
final class SimBusMaster implements BusMaster {
    private static final long BURST = 4096;

    private final Facilities platform;
    private final DmaDevice device;
    private final BusLimits limits;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong busErrors = new AtomicLong();
    private final AtomicLong truncated = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    SimBusMaster(Facilities platform, DmaDevice device, BusLimits limits) {
        this.platform = platform;
        this.device = device;
        this.limits = limits;
    }

    @Override
    public DmaDevice device() {
        return device;
    }

    @Override
    public BusLimits limits() {
        return limits;
    }

    /** One burst's transfer once its physical address is known. */
    private interface Burst {
        void run(PhysMemory port, long phys, int offset, int len);
    }

    @Override
    public void read(DmaAddr dmaHandle, byte[] dst, int off, int len) {
        access(dmaHandle, len, false, (port, phys, o, n) -> port.read(phys, dst, off + o, n));
        bytesRead.addAndGet(len);
    }

    @Override
    public void write(DmaAddr dmaHandle, byte[] src, int off, int len) {
        access(dmaHandle, len, true, (port, phys, o, n) -> port.write(phys, src, off + o, n));
        bytesWritten.addAndGet(len);
    }

    private void access(DmaAddr dmaHandle, int len, boolean write, Burst burst) {
        PhysMemory port = platform.cache().device(device.coherent());
        long mask = limits.addressMask();
        int done = 0;
        while (done < len) {
            long busAddr = dmaHandle.value() + done;
            int n = (int) Math.min(len - done, BURST - (busAddr & (BURST - 1)));
            long emitted = busAddr & mask;
            if (emitted != busAddr) {
                truncated.incrementAndGet();
            }
            PhysAddr phys;
            try {
                phys = platform.dma().deviceAccess(device, new DmaAddr(emitted), n, write);
            } catch (BusFault f) {
                throw busError(busAddr, emitted, n, f.getMessage());
            }
            try {
                burst.run(port, phys.value(), done, n);
            } catch (IllegalArgumentException e) {
                throw busError(busAddr, emitted, n, "no RAM at " + phys + " (decode error)");
            }
            done += n;
        }
    }

    private DeviceError busError(long busAddr, long emitted, int len, String why) {
        busErrors.incrementAndGet();
        String where = emitted == busAddr ? String.format("0x%x", busAddr)
            : String.format("0x%x (0x%x: the device drives %d address bits)", emitted, busAddr, limits.addressBits());
        return new DeviceError(device.name(), DeviceError.Kind.BUS_ERROR,
            "DMA bus error at " + where + ", " + len + " bytes: " + why);
    }

    @Override
    public void checkDescriptor(DmaDescriptor d) {
        long start = d.dmaHandle().value();
        if (d.length() > limits.maxSegmentSize()) {
            refused.incrementAndGet();
            throw new DeviceError(device.name(), DeviceError.Kind.SEGMENT_TOO_LONG, String.format("descriptor %s is"
                + " longer than the engine's maximum segment of 0x%x bytes: refused", d, limits.maxSegmentSize()));
        }
        long end = start + d.length() - 1;
        long boundary = ~limits.segmentBoundary();
        if (((start ^ end) & boundary) != 0) {
            refused.incrementAndGet();
            throw new DeviceError(device.name(), DeviceError.Kind.SEGMENT_CROSSES_BOUNDARY, String.format("descriptor"
                + " %s crosses the engine's 0x%x-byte segment boundary at 0x%x: refused", d,
                limits.segmentBoundary() + 1, end & boundary));
        }
    }

    @Override
    public Stats stats() {
        return new Stats(bytesRead.get(), bytesWritten.get(), busErrors.get(), truncated.get(), refused.get());
    }
}
