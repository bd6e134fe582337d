package org.dmasim.swiotlb;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.swiotlb.SwiotlbStats;

/**
 * What each device did with one bounce pool: maps, failed maps, unmaps, and the copies each way
 * with their bytes. Not the kernel's (6.1 counts none of it; its debugfs has only the slots in
 * use): dmasim's own statistics ({@link SwiotlbStats.DeviceBounces}), kept apart from
 * {@link IoTlbMem}, which holds what {@code struct io_tlb_mem} holds.
 *
 * <p>Counted with {@link LongAdder}s and found in a {@link ConcurrentHashMap} read without a lock
 * first, so that mappings of different simulated CPUs share no lock or counter here.
 */
final class BounceCounters {
    /** One device's counts. */
    static final class Device {
        final long order;
        final String device;
        final LongAdder maps = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder unmaps = new LongAdder();
        final LongAdder copiesOut = new LongAdder();
        final LongAdder bytesOut = new LongAdder();
        final LongAdder copiesBack = new LongAdder();
        final LongAdder bytesBack = new LongAdder();

        Device(long order, String device) {
            this.order = order;
            this.device = device;
        }
    }

    private final ConcurrentHashMap<String, Device> devices = new ConcurrentHashMap<>();
    private final AtomicLong deviceOrder = new AtomicLong();

    /** The counts of {@code d}, made on its first use of the pool. */
    Device of(DmaDevice d) {
        Device c = devices.get(d.name());
        if (c == null) {
            c = devices.computeIfAbsent(d.name(), n -> new Device(deviceOrder.getAndIncrement(), n));
        }
        return c;
    }

    /** Every device's counts, in the order the devices first used the pool. */
    List<SwiotlbStats.DeviceBounces> snapshot() {
        List<Device> cs = new ArrayList<>(devices.values());
        cs.sort((x, y) -> Long.compare(x.order, y.order));
        List<SwiotlbStats.DeviceBounces> ds = new ArrayList<>();
        for (Device c : cs) {
            long maps = c.maps.sum();
            ds.add(new SwiotlbStats.DeviceBounces(c.device, maps, c.failed.sum(), maps - c.unmaps.sum(),
                c.copiesOut.sum(), c.bytesOut.sum(), c.copiesBack.sum(), c.bytesBack.sum()));
        }
        return ds;
    }
}
