package org.dmasim.swiotlb;

import java.util.function.LongSupplier;
import org.dmasim.api.platform.BootLog;

/**
 * {@code struct ratelimit_state} with the defaults of {@code dev_warn_ratelimited}
 * ({@code DEFAULT_RATELIMIT_INTERVAL} 5 s, {@code DEFAULT_RATELIMIT_BURST} 10), as
 * {@code ___ratelimit()} runs it: the first call opens a window; up to 10 messages pass in a
 * window; the first call after the window closes reports what was dropped ("%s: %d callbacks
 * suppressed", named after the function whose message it was) and opens the next one. One state
 * per call site, as the macro's {@code static} makes it.
 */
final class Ratelimit {
    static final long INTERVAL_NANOS = 5_000_000_000L;
    static final int BURST = 10;

    private final String function;
    private long begin;
    private boolean started;
    private int printed;
    private int missed;

    Ratelimit(String function) {
        this.function = function;
    }

    /** Whether the message may be printed now; a closing window's suppressed count goes to the log first. */
    synchronized boolean allow(LongSupplier clock, BootLog log) {
        long now = clock.getAsLong();
        if (!started) {
            begin = now;
            started = true;
        }
        if (now - begin > INTERVAL_NANOS) {
            if (missed > 0) {
                log.warn(function + ": " + missed + " callbacks suppressed");
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
