package org.dmasim.bench;

import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code mm/dmapool_test.c}'s first case, {size 16, align 16, boundary 0}: create "test pool"
 * on device dmapool-test, 100 rounds of allocating 8192 blocks (GFP_KERNEL) and freeing them
 * in allocation order, destroy. One benchmark invocation is one such test, so the score in µs
 * compares directly with the module's {@code time:} column: Keith Busch's published numbers
 * for this case are 57,282 µs before the rewrite (6.1 algorithm) and 24,997 µs after (6.4).
 *
 * <p>It runs through the public {@link DmaPools} / {@link DmaPool} API of the dmapool bundle
 * (backend chosen by {@code version}, DMAPOOL_DEBUG off) on a real {@code pc-x86_64} platform,
 * as the kernel module runs on x86: the device is coherent and its chunks come from dma.core's
 * dma_alloc_coherent (the buddy allocator, linear map).
 * Creation and destruction are inside the timed region (33 chunks; the kernel's timer starts
 * after create and stops before destroy).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class DmapoolTestBenchmark {
    static final int NR_TESTS = 100;
    static final int BLOCKS = 8192;

    @Param({"6.4", "6.1"})
    public String version;

    private DmaPools pools;
    private DmaDevice dev;
    private final long[] vaddr = new long[BLOCKS];
    private final long[] dma = new long[BLOCKS];

    @Setup
    public void boot() {
        BootResult booted = Platforms.bootProfile("pc-x86_64", Map.of(), new DmaCoreBoot());
        DmaApi api = booted.lookup(DmaApi.class).orElseThrow();
        pools = DmaPoolBoot.standalone(api, booted.log(), false, version);
        dev = api.createDevice(DeviceSpec.platform("dmapool-test", false));
        api.setMaskAndCoherent(dev, -1L);
    }

    /** One dmapool_test block: 100 x (8192 alloc + 8192 free) of 16 bytes. */
    @Benchmark
    public long size16() {
        DmaPool pool = pools.create("test pool", dev, 16, 16, 0).orElseThrow();
        long sum = 0;
        for (int round = 0; round < NR_TESTS; round++) {
            for (int i = 0; i < BLOCKS; i++) {
                vaddr[i] = pool.alloc(Gfp.GFP_KERNEL, dma, i);
            }
            for (int i = 0; i < BLOCKS; i++) {
                pool.free(vaddr[i], dma[i]);
            }
            sum += vaddr[BLOCKS - 1];
        }
        pool.destroy();
        return sum;
    }
}
