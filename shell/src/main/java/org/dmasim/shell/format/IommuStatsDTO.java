package org.dmasim.shell.format;

import org.dmasim.api.iommu.IommuCounters;

/**
 * What a platform's IOMMUs did, as {@code iommu:stats} shows it: the IOTLB, command-queue,
 * fault and flush-queue counters, and the simulated time the flush queues' timers run on.
 */
public class IommuStatsDTO {
    public String platform;
    public IommuCounters counters;
    /** Simulated time since boot, in nanoseconds ({@code Iommu.now()}). */
    public long nowNanos;

    public static IommuStatsDTO of(String platform, IommuCounters counters, long nowNanos) {
        IommuStatsDTO d = new IommuStatsDTO();
        d.platform = platform;
        d.counters = counters;
        d.nowNanos = nowNanos;
        return d;
    }

    @Override
    public String toString() {
        return ShellFormatter.format(this);
    }
}
