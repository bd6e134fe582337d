package org.dmasim.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.mm.buddy.BuddyAllocator;
import org.dmasim.mm.buddy.BuddyOptions;
import org.dmasim.mm.buddy.PfnRange;
import org.dmasim.mm.buddy.ZoneSpec;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Order-0 {@code alloc_pages(GFP_KERNEL, 0)} + {@code __free_pages} throughput of one shared
 * buddy allocator (x86_64 4 GiB layout, two simulated CPUs) from one thread and from two
 * threads, each thread bound to its own simulated CPU. JMH reports the aggregate throughput of
 * all threads, so {@code twoThreads / oneThread} is the scaling of the per-cpu lists: each
 * thread only try-locks its own CPU's pageset and touches the zone lock once per refill or
 * drain batch. (On a 2-core machine the ceiling is 2.0.)
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BuddyThreadsBenchmark {
    /** The allocator every thread shares; CPUs are handed out in thread start order. */
    @State(Scope.Benchmark)
    public static class Shared {
        BuddyAllocator buddy;
        final AtomicInteger nextCpu = new AtomicInteger();

        @Setup(Level.Trial)
        public void boot() {
            buddy = BuddyAllocator.create(
                List.of(new ZoneSpec(ZoneType.DMA, 0x1, 4095, 3998),
                    new ZoneSpec(ZoneType.DMA32, 0x1000, 1044480, 782304),
                    new ZoneSpec(ZoneType.NORMAL, 0x100000, 262144, 262144), ZoneSpec.empty(ZoneType.MOVABLE),
                    ZoneSpec.empty(ZoneType.DEVICE)),
                List.of(new PfnRange(0x1, 0x9f), new PfnRange(0x100, 0xbffe0), new PfnRange(0x100000, 0x140000)),
                BuddyOptions.defaults().withCmaConfigured(false).withNrCpus(2));
            buddy.freeBootMemory(0x100, 0xbffe0);
            buddy.freeBootMemory(0x100000, 0x140000);
            buddy.setupPerZoneWmarks();
        }
    }

    /** Binds each benchmark thread to its own simulated CPU (0, 1, ...). */
    @State(Scope.Thread)
    public static class Cpu {
        @Setup(Level.Trial)
        public void bind(Shared shared) {
            int cpu = shared.nextCpu.getAndIncrement();
            SimCpu.bind(cpu);
            // Refill this CPU's list a few batches deep and put the pages back in address order,
            // so each thread's hot page (the list head) lies pages away from the other's: the
            // one-byte-per-page state map would otherwise put both hot pages in one cache line
            // (the kernel's 64-byte struct pages never share one).
            long[] pages = new long[256 * (cpu + 1)];
            for (int i = 0; i < pages.length; i++) {
                pages[i] = shared.buddy.allocPages(Gfp.GFP_KERNEL, 0);
            }
            for (long pfn : pages) {
                shared.buddy.freePages(pfn, 0);
            }
        }
    }

    private static void allocFree(Shared s, Blackhole bh) {
        long pfn = s.buddy.allocPages(Gfp.GFP_KERNEL, 0);
        bh.consume(pfn);
        s.buddy.freePages(pfn, 0);
    }

    @Benchmark
    @Threads(1)
    public void oneThread(Shared s, Cpu cpu, Blackhole bh) {
        allocFree(s, bh);
    }

    @Benchmark
    @Threads(2)
    public void twoThreads(Shared s, Cpu cpu, Blackhole bh) {
        allocFree(s, bh);
    }
}
