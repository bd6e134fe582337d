package org.dmasim.bench;

import java.util.List;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.mm.buddy.BuddyAllocator;
import org.dmasim.mm.buddy.BuddyOptions;
import org.dmasim.mm.buddy.PfnRange;
import org.dmasim.mm.buddy.ZoneSpec;
import org.openjdk.jmh.annotations.Setup;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One 4 KiB block allocated and freed at once, by two buddy-style allocators: Netty's pooled
 * allocator (the baseline: a page-run allocator in the jemalloc tradition, with thread-local
 * caches) and dmasim's {@code mm.buddy} ({@code alloc_pages(GFP_KERNEL, 0)} followed by
 * {@code __free_pages}). Same unit of work, same mode, so the scores compare directly. After
 * warm-up dmasim serves the page from the benchmark thread's simulated CPU's pcp list and
 * puts it back there (one uncontended try-lock each way, no zone lock), as Linux 6.1 does.
 *
 * <p>Each benchmark method is one allocator; methods are named {@code <allocator><size>}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class BuddyVsNettyBenchmark {
    private BuddyAllocator buddy;

    /** The oracle's x86_64 4 GiB layout, all RAM free, as after memblock_free_all. */
    @Setup
    public void bootBuddy() {
        buddy = BuddyAllocator.create(
            List.of(new ZoneSpec(ZoneType.DMA, 0x1, 4095, 3998), new ZoneSpec(ZoneType.DMA32, 0x1000, 1044480, 782304),
                new ZoneSpec(ZoneType.NORMAL, 0x100000, 262144, 262144), ZoneSpec.empty(ZoneType.MOVABLE),
                ZoneSpec.empty(ZoneType.DEVICE)),
            List.of(new PfnRange(0x1, 0x9f), new PfnRange(0x100, 0xbffe0), new PfnRange(0x100000, 0x140000)),
            BuddyOptions.defaults().withCmaConfigured(false));
        buddy.freeBootMemory(0x100, 0xbffe0);
        buddy.freeBootMemory(0x100000, 0x140000);
        buddy.setupPerZoneWmarks();
    }

    /** dmasim: {@code alloc_pages(GFP_KERNEL, 0)} then {@code __free_pages(page, 0)}. */
    @Benchmark
    public void buddyOrder0(Blackhole bh) {
        long pfn = buddy.allocPages(Gfp.GFP_KERNEL, 0);
        bh.consume(pfn);
        buddy.freePages(pfn, 0);
    }

    /** The size of one page on both simulated architectures. */
    static final int PAGE_SIZE = 4096;

    /**
     * Netty baseline: {@code PooledByteBufAllocator.DEFAULT.directBuffer(4096)} then
     * {@code release()}. After warm-up the block comes from and returns to the thread's cache.
     */
    @Benchmark
    public void nettyDirect4k(Blackhole bh) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(PAGE_SIZE);
        bh.consume(buf);
        buf.release();
    }
}
