package org.dmasim.iommu.smmu;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * {@code ___ratelimit} (lib/ratelimit.c) with {@code arm_smmu_evtq_thread}'s static state:
 * {@code DEFAULT_RATELIMIT_INTERVAL} 5 s, {@code DEFAULT_RATELIMIT_BURST} 10. The window opens
 * at the first call; once it has expired, the next call reports how many calls were suppressed
 * ({@code "%s: %d callbacks suppressed"}, KERN_WARNING, no device prefix) and opens a new one.
 */
final class EvtqRatelimit {
    static final long INTERVAL_NS = 5_000_000_000L;
    static final int BURST = 10;

    private final LongSupplier clock;
    private boolean started;
    private long begin;
    private int printed;
    private int missed;

    EvtqRatelimit(LongSupplier clock) {
        this.clock = clock;
    }

    /** Whether this call may print; the suppressed-count line, if one is due, goes to {@code out}. */
    boolean allow(List<String> out) {
        long now = clock.getAsLong();
        if (!started) {
            started = true;
            begin = now;
        }
        if (now - begin > INTERVAL_NS) {
            if (missed > 0) {
                out.add("arm_smmu_evtq_thread: " + missed + " callbacks suppressed");
                missed = 0;
            }
            begin = now;
            printed = 0;
        }
        if (printed < BURST) {
            printed++;
            return true;
        }
        missed++;
        return false;
    }
}
