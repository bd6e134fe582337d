package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;

/**
 * The kernel's DMA map benchmark ({@code kernel/dma/map_benchmark.c}, CONFIG_DMA_MAP_BENCHMARK)
 * driven the way its selftest tool drives it through the debugfs ioctl.
 *
 * <p>What it measures: each of {@code threads} workers allocates {@code granule} pages once, then
 * until the run's seconds are over loops over: stain the buffer with 0x66 through the CPU (unless
 * the direction is FROM_DEVICE, so a non-coherent device pays for its cache maintenance as a real
 * driver does), {@code dma_map_single}, a busy wait of {@code dma_trans_ns} pretending the device
 * transfers, {@code dma_unmap_single}. The two calls are timed separately; every loop adds its
 * two latencies, truncated to units of 100 ns as the kernel's {@code div64_ul(delta, 100)} does,
 * and their squares to four shared sums. At the end the averages are the sums over the loop
 * count and the standard deviations {@code int_sqrt64(E[x²] - E[x]²)}, all integer arithmetic
 * in 100 ns units — the tool divides by ten to print microseconds with one decimal. Calls that
 * take less than 100 ns therefore count as 0, on the kernel as here.
 *
 * <p>Around the run the device's streaming mask is set to {@code DMA_BIT_MASK(dma_bits)} and
 * put back afterwards, as the ioctl does, so a 32-bit run of a 64-bit device bounces through
 * swiotlb exactly where the kernel would.
 *
 * <p>Differences from the kernel: workers are Java threads named {@code dma-map-benchmark/N}
 * instead of kthreads bound to a node (dmasim platforms have node 0 only); the buffer is the
 * 2^order block {@code get_order(size)} gives — {@code alloc_pages_exact} would hand the tail
 * pages back, which only matters for granules that are not a power of two — and the mapped size
 * is exactly {@code granule} pages either way. Latencies are host nanoseconds of the simulator,
 * not of a CPU running the kernel; compare them as ratios, never as absolute figures.
 */
final class MapBenchmark {
    /** {@code DMA_MAP_MAX_THREADS} (include/linux/map_benchmark.h). */
    static final int MAX_THREADS = 1024;
    /** {@code DMA_MAP_MAX_SECONDS}. */
    static final int MAX_SECONDS = 300;
    /** {@code DMA_MAP_MAX_TRANS_DELAY}: 10 ms in ns. */
    static final long MAX_TRANS_DELAY = 10L * 1_000_000L;
    /** The tool's and the module's granule limit, in pages. */
    static final int MAX_GRANULE = 1024;
    /** {@code NUMA_NO_NODE}. */
    static final int NUMA_NO_NODE = -1;
    /** The module's {@code pr_fmt}: {@code KBUILD_MODNAME ": "}. */
    private static final String PR = "dma_map_benchmark: ";

    /** {@code struct map_benchmark} as the tool fills it: {@code dma_dir} uses DMA_MAP_* numbering. */
    record Params(int threads, int seconds, int node, int dmaBits, int dmaDir, long dmaTransNs, int granule) {
        /** The tool's names, indexed by DMA_MAP_BIDIRECTIONAL (0), DMA_MAP_TO_DEVICE (1), DMA_MAP_FROM_DEVICE (2). */
        static final String[] DIRECTIONS = {"BIDIRECTIONAL", "TO_DEVICE", "FROM_DEVICE"};

        /**
         * The checks the selftest tool makes before it opens the debugfs file; the message it
         * prints on stderr before {@code exit(1)}, or null.
         */
        String toolError() {
            if (threads <= 0 || threads > MAX_THREADS) {
                return "invalid number of threads, must be in 1-" + MAX_THREADS;
            }
            if (seconds <= 0 || seconds > MAX_SECONDS) {
                return "invalid number of seconds, must be in 1-" + MAX_SECONDS;
            }
            if (dmaTransNs < 0 || dmaTransNs > MAX_TRANS_DELAY) {
                return "invalid transmit delay, must be in 0-" + MAX_TRANS_DELAY;
            }
            if (dmaBits < 20 || dmaBits > 64) {
                return "invalid dma mask bit, must be in 20-64";
            }
            if (dmaDir < 0 || dmaDir > 2) {
                return "invalid dma direction";
            }
            if (granule < 1 || granule > MAX_GRANULE) {
                return "invalid granule size";
            }
            return null;
        }

        /** The first line the tool prints after a successful ioctl. */
        String headline() {
            return String.format("dma mapping benchmark: threads:%d seconds:%d node:%d dir:%s granule: %d",
                threads, seconds, node, DIRECTIONS[dmaDir], granule);
        }
    }

    /** What the ioctl copies back: averages and standard deviations in 100 ns units, and the loop count. */
    record Result(long avgMap100ns, long mapStddev, long avgUnmap100ns, long unmapStddev, long loops) {
        /** The tool's two result lines. */
        List<String> lines() {
            return List.of(
                String.format("average map latency(us):%.1f standard deviation:%.1f", avgMap100ns / 10.0,
                    mapStddev / 10.0),
                String.format("average unmap latency(us):%.1f standard deviation:%.1f", avgUnmap100ns / 10.0,
                    unmapStddev / 10.0));
        }
    }

    /** The ioctl's failure: its errno (what {@code perror("ioctl")} names) after the module's own line. */
    static final class IoctlError extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        IoctlError(int errno) {
            super(null, null, false, false);
            this.errno = errno;
        }
    }

    private final DmaApi api;
    private final PageAllocator pages;
    private final BootLog log;

    MapBenchmark(DmaApi api, PageAllocator pages, BootLog log) {
        this.api = api;
        this.pages = pages;
        this.log = log;
    }

    /**
     * {@code map_benchmark_ioctl(DMA_MAP_BENCHMARK)}: validates what the tool does not, sets the
     * mask, runs, restores the mask.
     *
     * @throws IoctlError with -EINVAL or -ENOMEM after the module's {@code pr_err} line in the log
     */
    Result run(DmaDevice dev, Params p) throws IoctlError {
        if (p.threads() == 0 || p.threads() > MAX_THREADS) {
            throw fail("invalid thread number", -Errno.EINVAL);
        }
        if (p.seconds() == 0 || p.seconds() > MAX_SECONDS) {
            throw fail("invalid duration seconds", -Errno.EINVAL);
        }
        if (p.dmaTransNs() > MAX_TRANS_DELAY) {
            throw fail("invalid transmission delay", -Errno.EINVAL);
        }
        // one node: node_possible() holds for node 0 only
        if (p.node() != NUMA_NO_NODE && p.node() != 0) {
            throw fail("invalid numa node", -Errno.EINVAL);
        }
        if (p.granule() < 1 || p.granule() > MAX_GRANULE) {
            throw fail("invalid granule size", -Errno.EINVAL);
        }
        DmaDirection dir = switch (p.dmaDir()) {
            case 0 -> DmaDirection.BIDIRECTIONAL;
            case 1 -> DmaDirection.TO_DEVICE;
            case 2 -> DmaDirection.FROM_DEVICE;
            default -> throw fail("invalid DMA direction", -Errno.EINVAL);
        };
        long oldMask = dev.dmaMask();
        long mask = p.dmaBits() == 64 ? -1L : (1L << p.dmaBits()) - 1;
        if (api.setMask(dev, mask) != 0) {
            throw fail("failed to set dma_mask on device " + dev.name(), -Errno.EINVAL);
        }
        try {
            return benchmark(dev, p, dir);
        } finally {
            // many devices' masks come from the firmware or the bus: give the driver its own back
            api.setMask(dev, oldMask);
        }
    }

    private IoctlError fail(String line, int errno) {
        log.err(PR + line);
        return new IoctlError(errno);
    }

    /** {@code do_map_benchmark}: start the workers, sleep the run's seconds, stop them, reduce. */
    private Result benchmark(DmaDevice dev, Params p, DmaDirection dir) throws IoctlError {
        Sums sums = new Sums();
        AtomicBoolean stop = new AtomicBoolean();
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < p.threads(); i++) {
            Worker w = new Worker(dev, p, dir, sums, stop);
            w.thread = new Thread(w, "dma-map-benchmark/" + i);
            w.thread.setDaemon(true);
            workers.add(w);
        }
        workers.forEach(w -> w.thread.start());
        boolean interrupted = false;
        try {
            Thread.sleep(p.seconds() * 1000L);
        } catch (InterruptedException e) {
            interrupted = true; // msleep_interruptible: a signal ends the sleep early, the run still reports
        }
        stop.set(true);
        int ret = 0;
        for (Worker w : workers) {
            // kthread_stop returns the thread's result; the first failure ends the collection
            int r = w.join();
            if (r != 0 && ret == 0) {
                ret = r;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (ret != 0) {
            throw new IoctlError(ret);
        }
        return sums.reduce();
    }

    /** The four sums and the loop count all workers add to ({@code atomic64_t} in the module). */
    private static final class Sums {
        final AtomicLong map = new AtomicLong();
        final AtomicLong unmap = new AtomicLong();
        final AtomicLong sqMap = new AtomicLong();
        final AtomicLong sqUnmap = new AtomicLong();
        final AtomicLong loops = new AtomicLong();

        Result reduce() {
            long n = loops.get();
            if (n == 0) {
                return new Result(0, 0, 0, 0, 0);
            }
            long[] m = averageAndStddev(map.get(), sqMap.get(), n);
            long[] u = averageAndStddev(unmap.get(), sqUnmap.get(), n);
            return new Result(m[0], m[1], u[0], u[1], n);
        }
    }

    /**
     * The module's reduction of one latency: the average {@code sum / loops} and the standard
     * deviation {@code int_sqrt64(sumSq / loops - avg * avg)}, unsigned 64-bit integer arithmetic.
     */
    static long[] averageAndStddev(long sum, long sumSq, long loops) {
        long avg = Long.divideUnsigned(sum, loops);
        long variance = Long.divideUnsigned(sumSq, loops) - avg * avg;
        return new long[] {avg, intSqrt64(variance)};
    }

    /** {@code int_sqrt64}: the floor of the square root of an unsigned 64-bit value. */
    static long intSqrt64(long x) {
        if (x == 0) {
            return 0;
        }
        // the double estimate, clamped to the largest root a 64-bit value has, then made exact
        double d = x < 0 ? (double) (x >>> 1) * 2.0 : (double) x;
        long r = Math.min((long) Math.sqrt(d), 0xffff_ffffL);
        while (Long.compareUnsigned(r * r, x) > 0) {
            r--;
        }
        while (r < 0xffff_ffffL && Long.compareUnsigned((r + 1) * (r + 1), x) <= 0) {
            r++;
        }
        return r;
    }

    /** {@code map_benchmark_thread}. */
    private final class Worker implements Runnable {
        final DmaDevice dev;
        final Params p;
        final DmaDirection dir;
        final Sums sums;
        final AtomicBoolean stop;
        Thread thread;
        volatile int ret;

        Worker(DmaDevice dev, Params p, DmaDirection dir, Sums sums, AtomicBoolean stop) {
            this.dev = dev;
            this.p = p;
            this.dir = dir;
            this.sums = sums;
            this.stop = stop;
        }

        int join() {
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // kthread_stop waits for the thread whatever happens
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return ret;
        }

        @Override
        public void run() {
            long size = (long) p.granule() * Page.PAGE_SIZE;
            int order = getOrder(size);
            long pfn = pages.allocPages(Gfp.GFP_KERNEL, order);
            if (pfn < 0) {
                ret = -Errno.ENOMEM;
                return;
            }
            try {
                loop(api.kernelVm().linearAddress(pfn << Page.PAGE_SHIFT), size);
            } finally {
                pages.freePages(pfn, order);
            }
        }

        private void loop(long kva, long size) {
            CpuAddr buf = CpuAddr.of(kva);
            while (!stop.get()) {
                if (dir != DmaDirection.FROM_DEVICE) {
                    api.kernelVm().cpuFill(kva, size, (byte) 0x66);
                }
                long mapStart = System.nanoTime();
                DmaAddr dma = api.mapSingle(dev, buf, size, dir, 0);
                if (api.mappingError(dev, dma) != 0) {
                    log.err(PR + "dma_map_single failed on " + dev.name());
                    ret = -Errno.ENOMEM;
                    return;
                }
                long mapDelta = System.nanoTime() - mapStart;
                ndelay(p.dmaTransNs());
                long unmapStart = System.nanoTime();
                api.unmapSingle(dev, dma, size, dir, 0);
                long unmapDelta = System.nanoTime() - unmapStart;

                long map100 = mapDelta / 100;
                long unmap100 = unmapDelta / 100;
                sums.map.addAndGet(map100);
                sums.unmap.addAndGet(unmap100);
                sums.sqMap.addAndGet(map100 * map100);
                sums.sqUnmap.addAndGet(unmap100 * unmap100);
                sums.loops.incrementAndGet();
            }
        }
    }

    /** {@code ndelay}: a busy wait, as the kernel's is. */
    private static void ndelay(long ns) {
        if (ns <= 0) {
            return;
        }
        long end = System.nanoTime() + ns;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    /** {@code get_order}: the smallest order whose block holds {@code size} bytes. */
    static int getOrder(long size) {
        long pagesNeeded = (size + Page.PAGE_SIZE - 1) >> Page.PAGE_SHIFT;
        return 64 - Long.numberOfLeadingZeros(pagesNeeded - 1);
    }
}
