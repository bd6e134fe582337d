package org.dmasim.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.dma.DmaApi;
import java.util.Map;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.dmasim.dmapool.DmaPoolBoot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Pool-lock scaling: each thread drives its own pool (two drivers on one platform, two
 * devices), allocating a burst of 64 blocks of 64 bytes and freeing them. A pool has its own
 * lock, like the kernel's per-pool spinlock, so two threads on two pools share nothing but the
 * chunk source, which warm pools no longer call. Compare the aggregate throughput of
 * {@code twoThreads} (JMH sums the threads) with {@code oneThread}; the target is ≥ 1.6x.
 * Score unit: alloc+free pairs per microsecond. The platform is a real {@code pc-x86_64} boot
 * (coherent devices, chunks from the buddy allocator through dma.core).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DmapoolScalingBenchmark {
    static final int BURST = 64;

    /** The platform both drivers share. */
    @State(Scope.Benchmark)
    public static class Platform {
        @Param({"6.4", "6.1"})
        public String version;
        DmaApi api;
        DmaPools pools;
        final AtomicInteger devices = new AtomicInteger();

        @Setup
        public void boot() {
            BootResult booted = Platforms.bootProfile("pc-x86_64", Map.of(), new DmaCoreBoot());
            api = booted.lookup(DmaApi.class).orElseThrow();
            pools = DmaPoolBoot.standalone(api, booted.log(), false, version);
        }
    }

    /** One driver: its device and its pool. */
    @State(Scope.Thread)
    public static class Driver {
        DmaPool pool;
        final long[] vaddr = new long[BURST];
        final long[] dma = new long[BURST];

        @Setup
        public void probe(Platform platform) {
            DmaDevice dev = platform.api.createDevice(DeviceSpec.platform("drv" + platform.devices.incrementAndGet(),
                true));
            pool = platform.pools.create("bench", dev, 64, 64, 0).orElseThrow();
        }
    }

    private static long burst(Driver d) {
        DmaPool pool = d.pool;
        for (int i = 0; i < BURST; i++) {
            d.vaddr[i] = pool.alloc(Gfp.GFP_KERNEL, d.dma, i);
        }
        for (int i = BURST - 1; i >= 0; i--) {
            pool.free(d.vaddr[i], d.dma[i]);
        }
        return d.vaddr[0];
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BURST)
    public long oneThread(Driver d) {
        return burst(d);
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(BURST)
    public long twoThreads(Driver d) {
        return burst(d);
    }
}
