package org.dmasim.bench;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.api.swiotlb.SwiotlbPool;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 8's swiotlb scaling budget: bounced {@code dma_map_single} + {@code dma_unmap_single}
 * DMA_TO_DEVICE of 4 KiB on a {@code pc-x86_64} with two CPUs (so swiotlb has two areas), from
 * one thread and from two threads, each thread bound to its own simulated CPU ({@link SimCpu}) as
 * a driver's per-queue submission path is, so each finds its slots in its own area as
 * {@code swiotlb_find_slots} does. One 32-bit PCI device, shared; each thread its own buffer
 * above 4 GiB. JMH reports the aggregate throughput of all threads: {@code twoThreads / oneThread}
 * is the scaling (the target: at least 1.6; on a 2-core machine the ceiling is 2.0).
 *
 * <p>The control, {@code platform=per-thread}: each thread boots a platform of its own (the same
 * profile and pool) and maps there, so the threads share no object of dmasim's at all; its
 * scaling is what this machine gives this work (memory traffic included), against which the
 * shared platform's scaling is read.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SwiotlbThreadsBenchmark {
    static final int SIZE = 4 << 10;

    /** The platform and device every thread shares; CPUs are handed out in thread start order. */
    @State(Scope.Benchmark)
    public static class Shared {
        DmaApi dma;
        DmaDevice dev;
        PageAllocator buddy;
        PhysMemory memory;
        final AtomicInteger nextCpu = new AtomicInteger();
        /** The pool: the default 64 MiB, or a {@code swiotlb=<nslabs>} one (two areas either way). */
        @Param({"default", "2048"})
        public String swiotlb;
        /** {@code shared}: one platform and device for all threads; {@code per-thread}: the control (see above). */
        @Param({"shared", "per-thread"})
        public String platform;

        @Setup(Level.Trial)
        public void boot() {
            Platform p = new Platform(swiotlb);
            dma = p.dma;
            dev = p.dev;
            buddy = p.buddy;
            memory = p.memory;
        }
    }

    /** One booted {@code pc-x86_64} with two CPUs and its 32-bit device. */
    static final class Platform {
        final DmaApi dma;
        final DmaDevice dev;
        final PageAllocator buddy;
        final PhysMemory memory;

        Platform(String swiotlb) {
            Map<String, Object> config = swiotlb.equals("default") ? Map.of("cpus", 2)
                : Map.of("cpus", 2, "cmdline", "console=ttyS0 nokaslr swiotlb=" + swiotlb);
            BootResult booted = Platforms.bootProfile("pc-x86_64", config, new DmaCoreBoot());
            dma = booted.lookup(DmaApi.class).orElseThrow();
            dev = dma.createDevice(DeviceSpec.pci("nic32"));
            dma.setMaskAndCoherent(dev, 0xffffffffL);
            buddy = booted.lookup(PageAllocator.class).orElseThrow();
            memory = booted.lookup(PhysMemory.class).orElseThrow();
            int areas = booted.lookup(SwiotlbPool.class).orElseThrow().nareas();
            if (areas != 2) {
                throw new IllegalStateException("expected 2 swiotlb areas, got " + areas);
            }
        }
    }

    /** Binds each benchmark thread to its own simulated CPU (0, 1) and gives it its own buffer. */
    @State(Scope.Thread)
    public static class Cpu {
        CpuAddr buffer;
        DmaApi dma;
        DmaDevice dev;

        @Setup(Level.Trial)
        public void bind(Shared s) {
            SimCpu.bind(s.nextCpu.getAndIncrement());
            Platform own = s.platform.equals("per-thread") ? new Platform(s.swiotlb) : null;
            dma = own == null ? s.dma : own.dma;
            dev = own == null ? s.dev : own.dev;
            PageAllocator buddy = own == null ? s.buddy : own.buddy;
            PhysMemory memory = own == null ? s.memory : own.memory;
            long phys = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, 0));
            byte[] bytes = new byte[SIZE];
            new Random(phys).nextBytes(bytes);
            memory.write(phys, bytes);
            buffer = new CpuAddr(dma.kernelVm().linearAddress(phys));
        }
    }

    private static long mapUnmap(Cpu cpu) {
        DmaAddr a = cpu.dma.mapSingle(cpu.dev, cpu.buffer, SIZE, DmaDirection.TO_DEVICE, 0);
        cpu.dma.unmapSingle(cpu.dev, a, SIZE, DmaDirection.TO_DEVICE, 0);
        return a.value();
    }

    @Benchmark
    @Threads(1)
    public long oneThread(Shared s, Cpu cpu) {
        return mapUnmap(cpu);
    }

    @Benchmark
    @Threads(2)
    public long twoThreads(Shared s, Cpu cpu) {
        return mapUnmap(cpu);
    }
}
