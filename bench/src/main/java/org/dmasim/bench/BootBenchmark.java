package org.dmasim.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.dmasim.api.boot.ArchSupport;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.arch.arm64.Arm64Arch;
import org.dmasim.arch.x86.X86Arch;
import org.dmasim.atomicpool.AtomicPoolBoot;
import org.dmasim.cma.CmaBoot;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.mm.zone.ZoneBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.boot.Booter;
import org.dmasim.platform.boot.StandardParts;
import org.dmasim.platform.profile.SpecBuilder;
import org.dmasim.swiotlb.SwiotlbBoot;
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
 * {@code server-x86_64-1t} is under 2 s; the small profile shows the fixed cost next to it.
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

    @Benchmark
    public BootResult boot() {
        PlatformSpec spec = SpecBuilder.build(Map.of("profile", profile));
        ArchSupport arch = spec.arch() == Arch.ARM64 ? new Arm64Arch() : new X86Arch();
        CmaBoot cma = new CmaBoot();
        List<BootParticipant> parts = new ArrayList<>(StandardParts.participants());
        parts.add(new ZoneBoot());
        parts.add(cma);
        parts.add(new SwiotlbBoot());
        parts.add(new AtomicPoolBoot());
        parts.add(new DmaCoreBoot());
        List<ReservedMemHandler> handlers = new ArrayList<>(StandardParts.handlers());
        handlers.add(cma);
        BootResult r = new Booter(arch, parts, handlers).boot(spec);
        if (!r.ok()) {
            throw new IllegalStateException(profile + ": " + r.failure().orElse("?"));
        }
        return r;
    }
}
