package org.dmasim.bench;

import java.util.concurrent.TimeUnit;
import java.util.Map;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole boot of a shipped profile (profile and device tree parsing, memblock, zones, CMA,
 * swiotlb, handing all memory to the buddy allocator, atomic pools, devices), in a JVM limited to
 * 512 MiB of heap as the issue requires. Single shot: the first boot in a fresh JVM is what a user
 * waits for ({@code ./dmasim boot} adds Felix start-up, about 0.5 s, on top). The target for
 * {@code server-x86_64-1t} is under 2 s; the small profile shows the fixed cost next to it. Each
 * profile boots with both modelled kernels: the version rules must not make one of them dearer
 * (issue 10: within 10%).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 5, jvmArgsAppend = "-Xmx512m")
@State(Scope.Benchmark)
public class BootBenchmark {
    @Param({"server-x86_64-1t", "qemu-virt-arm64"})
    public String profile;

    @Param({"6.1", "6.12"})
    public String kernel;

    @Benchmark
    public BootResult boot() {
        return Platforms.bootProfile(profile, Map.of(PlatformConfig.KERNEL, kernel), new DmaCoreBoot());
    }

    /**
     * The same boot once the JVM is warm (classes loaded, code compiled): what each kernel's rules
     * cost, without the first boot's class loading, which dominates the single shot and varies
     * with the machine's load.
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 5, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(value = 1, jvmArgsAppend = "-Xmx512m")
    public BootResult bootWarm() {
        return Platforms.bootProfile(profile, Map.of(PlatformConfig.KERNEL, kernel), new DmaCoreBoot());
    }
}
