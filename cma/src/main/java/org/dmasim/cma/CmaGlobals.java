package org.dmasim.cma;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.Ratelimit;

/**
 * What {@code mm/cma.c} keeps once per kernel, here once per platform: {@code cma_mutex}
 * (which serialises {@code alloc_contig_range} across all areas), the vm events
 * CMA_ALLOC_SUCCESS / CMA_ALLOC_FAIL, the kernel log and the ratelimit state of the
 * {@code cma_alloc} failure message.
 */
final class CmaGlobals {
    final ReentrantLock cmaMutex = new ReentrantLock();
    final AtomicLong allocSuccess = new AtomicLong();
    final AtomicLong allocFail = new AtomicLong();
    final BootLog log;
    final Ratelimit allocFailRatelimit;
    /** The clock of the ratelimit (nanoseconds). */
    final LongSupplier clock;

    CmaGlobals(BootLog log) {
        this(log, System::nanoTime);
    }

    CmaGlobals(BootLog log, LongSupplier clock) {
        this.log = log;
        this.allocFailRatelimit = new Ratelimit("cma_alloc");
        this.clock = clock;
    }
}
