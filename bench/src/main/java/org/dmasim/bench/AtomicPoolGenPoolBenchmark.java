package org.dmasim.bench;

import java.util.concurrent.TimeUnit;
import org.dmasim.atomicpool.GenPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The genpool behind the atomic DMA pools ({@code lib/genalloc.c} with
 * {@code gen_pool_first_fit_order_align}, 4 KiB granules): one {@code gen_pool_alloc} followed
 * by the matching {@code gen_pool_free}, in an arm64 board's pool as the worker leaves it after
 * one expansion (two 512 KiB chunks, the newer one searched first).
 *
 * <p>{@code empty}: nothing else allocated, the block lands at the start of the first chunk.
 * {@code fragmented}: every other granule of the newer chunk is busy, so a request of two or
 * more granules has to scan that chunk's whole bitmap before the older chunk serves it (the
 * worst case of the first-fit search short of failure).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class AtomicPoolGenPoolBenchmark {
    static final long CHUNK = 512 * 1024;
    static final long VIRT = 0xffff800008000000L;
    static final long PHYS = 0xfc080000L;

    /** Request size in bytes: one granule, the §13 flow-2 20 KiB, 64 KiB. */
    @Param({"4096", "20480", "65536"})
    public long size;

    @Param({"empty", "fragmented"})
    public String layout;

    private GenPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        pool = new GenPool("atomic_pool_dma", 12);
        pool.addVirt(VIRT, PHYS, CHUNK);
        pool.addVirt(VIRT + CHUNK + 4096, PHYS + 0x100000, CHUNK);
        if (layout.equals("fragmented")) {
            // Fill the newer chunk with single granules, then free every other one.
            long[] blocks = new long[(int) (CHUNK / 4096)];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = pool.alloc(4096);
            }
            for (int i = 0; i < blocks.length; i += 2) {
                pool.free(blocks[i], 4096);
            }
        }
    }

    /** {@code gen_pool_alloc(pool, size)} then {@code gen_pool_free(pool, addr, size)}. */
    @Benchmark
    public void allocFree(Blackhole bh) {
        long addr = pool.alloc(size);
        bh.consume(addr);
        pool.free(addr, size);
    }
}
