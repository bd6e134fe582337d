package org.dmasim.iommu.dma;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Simulated time for one platform's IOMMU: what the flush queues' 10 ms timers run on. It stands
 * still until {@link #advance} moves it (a script's {@code iommu:msleep}, a test), then fires
 * every timer whose deadline has passed, in deadline order, on the calling thread, as the
 * kernel's timer softirq would on the CPU that armed it. Standing still is what makes lazy mode
 * reproducible: a use-after-unmap stays hidden exactly until the script lets 10 ms pass.
 */
public final class IommuClock {
    private long now;
    private final Map<FlushQueue, Long> timers = new IdentityHashMap<>();

    /** Nanoseconds since the platform booted, in simulated time. */
    public synchronized long now() {
        return now;
    }

    synchronized void arm(FlushQueue fq, long deadline) {
        timers.put(fq, deadline);
    }

    synchronized void cancel(FlushQueue fq) {
        timers.remove(fq);
    }

    /**
     * Moves time forward and runs the timers that expire on the way.
     *
     * @return the number of timers that fired
     * @throws IllegalArgumentException for a negative step
     */
    public int advance(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("time step " + nanos + " ns (expected >= 0: simulated time only moves"
                + " forward)");
        }
        List<FlushQueue> due = new ArrayList<>();
        synchronized (this) {
            now += nanos;
            timers.entrySet().stream().filter(e -> e.getValue() <= now)
                .sorted(Map.Entry.comparingByValue()).forEach(e -> due.add(e.getKey()));
            due.forEach(timers::remove);
        }
        for (FlushQueue fq : due) {
            fq.timeout();
        }
        return due.size();
    }
}
