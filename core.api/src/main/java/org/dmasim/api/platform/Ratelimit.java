package org.dmasim.api.platform;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One {@code struct ratelimit_state} as {@code ___ratelimit()} (lib/ratelimit.c) runs it, with
 * the defaults of {@code pr_err_ratelimited}/{@code dev_warn_ratelimited}
 * ({@code DEFAULT_RATELIMIT_INTERVAL} 5 s, {@code DEFAULT_RATELIMIT_BURST} 10): the first call
 * opens a window; up to ten messages pass in it; the first call after the window closed reports
 * how many were dropped ({@code "<function>: <n> callbacks suppressed"}, KERN_WARNING, no device
 * prefix) and opens the next one. One state per call site, as the macro's {@code static} makes it.
 *
 * <p>The kernel counts jiffies; here a nanosecond clock (the system's, or a fake one in tests, so
 * that the limit is testable without sleeping).
 *
 * @since 2.6
 */
public final class Ratelimit {
    public static final long DEFAULT_INTERVAL_NANOS = 5_000_000_000L;
    public static final int DEFAULT_BURST = 10;

    private final String function;
    private final long interval;
    private final int burst;
    private boolean started;
    private long begin;
    private int printed;
    private int missed;

    /** The state of one call site in {@code function}, with the default interval and burst. */
    public Ratelimit(String function) {
        this(function, DEFAULT_INTERVAL_NANOS, DEFAULT_BURST);
    }

    public Ratelimit(String function, long intervalNanos, int burst) {
        this.function = function;
        this.interval = intervalNanos;
        this.burst = burst;
    }

    /**
     * {@code __ratelimit(&_rs)} at time {@code clock}: whether the caller may print now; a closing
     * window's suppressed count goes to {@code warn} first.
     */
    public synchronized boolean allow(LongSupplier clock, Consumer<String> warn) {
        long now = clock.getAsLong();
        if (!started) {
            started = true;
            begin = now;
        }
        // time_is_before_jiffies(begin + interval): strictly after the end of the interval
        if (now - (begin + interval) > 0) {
            if (missed > 0) {
                warn.accept(function + ": " + missed + " callbacks suppressed");
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
