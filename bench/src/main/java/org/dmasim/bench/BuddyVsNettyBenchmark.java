package org.dmasim.bench;

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
 * {@code __free_pages}). Same unit of work, same mode, so the scores compare directly.
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
