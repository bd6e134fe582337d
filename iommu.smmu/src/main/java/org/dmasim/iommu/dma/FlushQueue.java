package org.dmasim.iommu.dma;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.platform.SpinLock;
import org.dmasim.iommu.iova.IovaDomain;

/**
 * The flush queue of a lazy ({@code IOMMU_DOMAIN_DMA_FQ}) domain, as dma-iommu.c of Linux 6.1
 * runs it.
 *
 * <p>Algorithm. A lazy unmap clears the page-table entries but invalidates nothing: the IOTLB
 * may still hold the old translations, so the IOVA must not be reused yet. It is queued instead,
 * on the unmapping CPU's ring, stamped with the number of IOTLB flushes started so far. An entry
 * may be freed (its IOVA back to the allocator's per-CPU cache) once a flush that started after
 * it finished: {@code stamp < finish count}. Every queueing first frees what is free already;
 * a full ring (255 entries: one slot stays empty so that full and empty differ) forces a flush
 * of the whole domain ({@code flush_iotlb_all}: one {@code TLBI_NH_ASID} on SMMUv3) and frees
 * everything. The first entry queued while no timer is pending arms a one-shot 10 ms timer;
 * when it fires it flushes and frees every CPU's ring, into the IOVA cache of the CPU that ran it
 * (the one that armed it). Until then a device can still reach an unmapped IOVA through a stale
 * IOTLB entry: lazy mode's window.
 *
 * <p>Time. The timer runs on the platform's simulated IOMMU clock ({@link IommuClock}), which
 * moves only when told to, so the window is as long as the script or test makes it and every
 * run sees the same IOVAs; the kernel's timer fires after 10 ms of wall time (8 to 12 ms with
 * HZ=250).
 *
 * <p>Data layout, here vs the kernel. The kernel keeps an array of
 * {@code {iova_pfn, pages, freelist, counter}} structs per CPU; here each CPU's ring is three
 * parallel arrays of 256 longs behind the ring's own lock word, padded so that two CPUs' rings
 * never share a host cache line. There is no freelist: io-pgtable-arm frees table pages at once
 * in 6.1, so the kernel's lists stay empty for SMMUv3.
 */
final class FlushQueue {
    /** IOVA_FQ_SIZE. */
    static final int SIZE = 256;
    /** IOVA_FQ_TIMEOUT, in nanoseconds. */
    static final long TIMEOUT_NANOS = 10_000_000L;

    /** One CPU's ring. */
    static final class Ring extends SpinLock {
        final long[] pfn = new long[SIZE];
        final long[] pages = new long[SIZE];
        final long[] counter = new long[SIZE];
        int head;
        int tail;
        long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;

        int count() {
            return (tail - head + SIZE) % SIZE;
        }

        boolean full() {
            return (tail + 1) % SIZE == head;
        }
    }

    private final IommuDomain domain;
    private final IovaDomain iovad;
    private final IommuClock clock;
    private final Ring[] rings;
    private final AtomicLong startCount = new AtomicLong();
    private final AtomicLong finishCount = new AtomicLong();
    private final AtomicBoolean timerOn = new AtomicBoolean();
    private volatile int timerCpu;
    private final AtomicLong flushesFull = new AtomicLong();
    private final AtomicLong flushesTimer = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();

    FlushQueue(IommuDomain domain, IovaDomain iovad, IommuClock clock, int cpus) {
        this.domain = domain;
        this.iovad = iovad;
        this.clock = clock;
        this.rings = new Ring[cpus];
        for (int i = 0; i < cpus; i++) {
            rings[i] = new Ring();
        }
    }

    /** {@code queue_iova}: the IOVA range [pfn, pfn + pages) waits for a flush on {@code cpu}'s ring. */
    void queue(int cpu, long pfn, long pages) {
        Ring r = rings[cpu];
        r.lock();
        try {
            ringFree(r, cpu);
            if (r.full()) {
                flushesFull.incrementAndGet();
                flushIotlb();
                ringFree(r, cpu);
            }
            int slot = r.tail;
            r.pfn[slot] = pfn;
            r.pages[slot] = pages;
            r.counter[slot] = startCount.get();
            r.tail = (slot + 1) % SIZE;
        } finally {
            r.unlock();
        }
        queued.incrementAndGet();
        if (!timerOn.get() && timerOn.compareAndSet(false, true)) {
            timerCpu = cpu;
            clock.arm(this, clock.now() + TIMEOUT_NANOS);
        }
    }

    /** {@code fq_ring_free}: frees entries, oldest first, whose stamp a finished flush covers. */
    private void ringFree(Ring r, int cpu) {
        long finished = finishCount.get();
        while (r.head != r.tail && r.counter[r.head] < finished) {
            iovad.freeFast(cpu, r.pfn[r.head], r.pages[r.head]);
            r.head = (r.head + 1) % SIZE;
        }
    }

    /** {@code fq_flush_iotlb}. */
    private void flushIotlb() {
        startCount.incrementAndGet();
        domain.flushIotlbAll();
        finishCount.incrementAndGet();
    }

    /** {@code fq_flush_timeout}: called by the clock once the deadline has passed. */
    void timeout() {
        timerOn.set(false);
        flushesTimer.incrementAndGet();
        flushIotlb();
        int cpu = timerCpu;
        for (Ring r : rings) {
            r.lock();
            try {
                ringFree(r, cpu);
            } finally {
                r.unlock();
            }
        }
    }

    /** IOVAs waiting in the rings now. */
    long waiting() {
        long n = 0;
        for (Ring r : rings) {
            r.lock();
            try {
                n += r.count();
            } finally {
                r.unlock();
            }
        }
        return n;
    }

    /** What the queue has done: entries queued, flushes because a ring was full, flushes by the timer. */
    record Stats(long queued, long waiting, long flushesFull, long flushesTimer) {
    }

    Stats stats() {
        return new Stats(queued.get(), waiting(), flushesFull.get(), flushesTimer.get());
    }

    /** {@code iommu_dma_free_fq}: the timer is cancelled; queued IOVAs die with the IOVA domain. */
    void destroy() {
        clock.cancel(this);
        timerOn.set(false);
    }
}
