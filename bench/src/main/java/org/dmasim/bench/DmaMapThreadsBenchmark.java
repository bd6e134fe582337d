package org.dmasim.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * dma-direct {@code dma_map_single} + {@code dma_unmap_single} of 4 KiB (coherent 64-bit PCI
 * device on {@code pc-x86_64}, no bounce) from one thread and from two, both mapping for the same
 * device as a multi-queue driver's per-queue submission paths do, each thread on its own
 * simulated CPU with its own buffer. JMH reports the aggregate throughput: {@code twoThreads /
 * oneThread} is the scaling (at most 2.0 on a 2-core machine). What it watches: the mapping
 * records of one device are shared by its mapping threads (the first thread's front slot, every
 * thread's shard), and a line one thread writes on each map that the other reads on each map would
 * show here as scaling well below 2.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DmaMapThreadsBenchmark {
    static final int SIZE = 4 << 10;

    /** The platform and the device both threads map for; CPUs are handed out in thread start order. */
    @State(Scope.Benchmark)
    public static class Shared {
        DmaApi dma;
        DmaDevice dev;
        PageAllocator buddy;
        final AtomicInteger nextCpu = new AtomicInteger();

        @Setup(Level.Trial)
        public void boot() {
            BootResult booted = Platforms.bootProfile("pc-x86_64", Map.of("cpus", 2), new DmaCoreBoot());
            dma = booted.lookup(DmaApi.class).orElseThrow();
            dev = dma.createDevice(DeviceSpec.pci("mq-nic"));
            dma.setMaskAndCoherent(dev, -1L);
            buddy = booted.lookup(PageAllocator.class).orElseThrow();
        }
    }

    /** Binds each benchmark thread to its own simulated CPU and gives it its own buffer. */
    @State(Scope.Thread)
    public static class Queue {
        CpuAddr buffer;

        @Setup(Level.Trial)
        public void bind(Shared s) {
            SimCpu.bind(s.nextCpu.getAndIncrement());
            long pfn = s.buddy.allocPages(Gfp.GFP_KERNEL, 0);
            buffer = new CpuAddr(s.dma.kernelVm().linearAddress(Page.pfnPhys(pfn)));
        }
    }

    private static long mapUnmap(Shared s, Queue q) {
        DmaAddr a = s.dma.mapSingle(s.dev, q.buffer, SIZE, DmaDirection.TO_DEVICE, 0);
        s.dma.unmapSingle(s.dev, a, SIZE, DmaDirection.TO_DEVICE, 0);
        return a.value();
    }

    @Benchmark
    @Threads(1)
    public long oneThread(Shared s, Queue q) {
        return mapUnmap(s, q);
    }

    @Benchmark
    @Threads(2)
    public long twoThreads(Shared s, Queue q) {
        return mapUnmap(s, q);
    }
}
