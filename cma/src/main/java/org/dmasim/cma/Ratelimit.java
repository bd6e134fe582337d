package org.dmasim.cma;

import java.util.function.LongSupplier;
import org.dmasim.api.platform.BootLog;

/**
 * {@code ___ratelimit()} with the defaults {@code printk_ratelimited} uses
 * (DEFAULT_RATELIMIT_INTERVAL 5 s, DEFAULT_RATELIMIT_BURST 10): at most ten messages per
 * interval; the first call after an interval with suppressed messages reports how many with
 * {@code "<func>: <n> callbacks suppressed"} at KERN_WARNING. One state per call site, as the
 * kernel's {@code static DEFINE_RATELIMIT_STATE} is one per {@code pr_err_ratelimited} line.
 *
 * <p>The kernel counts jiffies; the simulator reads a nanosecond clock (the system clock,
 * or a fake one in tests, so that the limit is testable without sleeping).
 */
final class Ratelimit {
    static final long DEFAULT_INTERVAL_NANOS = 5_000_000_000L;
    static final int DEFAULT_BURST = 10;

    private final String func;
    private final LongSupplier clock;
    private final long interval;
    private final int burst;
    private boolean started;
    private long begin;
    private int printed;
    private int missed;

    Ratelimit(String func, LongSupplier clock) {
        this(func, clock, DEFAULT_INTERVAL_NANOS, DEFAULT_BURST);
    }

    Ratelimit(String func, LongSupplier clock, long interval, int burst) {
        this.func = func;
        this.clock = clock;
        this.interval = interval;
        this.burst = burst;
    }

    /** {@code __ratelimit(&_rs)}: whether the caller may print now. */
    synchronized boolean allow(BootLog log) {
        long now = clock.getAsLong();
        if (!started) {
            started = true;
            begin = now;
        }
        // time_is_before_jiffies(begin + interval): strictly after the end of the interval.
        if (now - (begin + interval) > 0) {
            if (missed > 0) {
                log.warn(func + ": " + missed + " callbacks suppressed");
                missed = 0;
            }
            begin = now;
            printed = 0;
        }
        if (burst > printed) {
            printed++;
            return true;
        }
        missed++;
        return false;
    }
}
