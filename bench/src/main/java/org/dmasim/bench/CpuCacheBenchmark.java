package org.dmasim.bench;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU cache model's cost, the reference for the bounce-buffer benchmarks that will copy
 * through it: a driver on a non-coherent arm64 device fills a 64 KiB buffer through the linear
 * map (cacheable stores: 1024 dirty lines) and hands it to the device
 * ({@code arch_sync_dma_for_device}: clean to PoC, the lines written back to RAM), against
 * {@code System.arraycopy} of 64 KiB in the same run. Also the store alone and a non-snooping
 * device reading the 64 KiB back from RAM. Steady state: the lines and RAM pages exist after the
 * first round, as a driver's buffer that is reused.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class CpuCacheBenchmark {
    static final int SIZE = 64 << 10;

    private final byte[] payload = new byte[SIZE];
    private final byte[] sink = new byte[SIZE];
    private KernelVm vm;
    private ArchDma arch;
    private CpuCache cache;
    private long phys;
    private long kva;

    @Setup
    public void boot() {
        BootResult booted = Platforms.bootProfile("qemu-virt-arm64", Map.of());
        vm = booted.lookup(KernelVm.class).orElseThrow();
        arch = booted.lookup(ArchDma.class).orElseThrow();
        cache = booted.lookup(CpuCache.class).orElseThrow();
        PageAllocator buddy = booted.lookup(PageAllocator.class).orElseThrow();
        phys = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, Page.getOrder(SIZE)));
        kva = vm.linearAddress(phys);
        new Random(1).nextBytes(payload);
    }

    /** 64 KiB of cacheable stores, then arch_sync_dma_for_device(TO_DEVICE): the clean. */
    @Benchmark
    public long cacheableWriteAndClean() {
        vm.cpuWrite(kva, payload);
        arch.syncDmaForDevice(phys, SIZE, DmaDirection.TO_DEVICE);
        return kva;
    }

    /** The 64 KiB of cacheable stores alone. */
    @Benchmark
    public long cacheableWrite() {
        vm.cpuWrite(kva, payload);
        return kva;
    }

    /** A non-coherent device reading the 64 KiB from RAM (checking for dirty lines above it). */
    @Benchmark
    public byte[] deviceRead() {
        cache.device(false).read(phys, sink, 0, SIZE);
        return sink;
    }

    /** The reference: one {@code System.arraycopy} of 64 KiB. */
    @Benchmark
    public byte[] arraycopy() {
        System.arraycopy(payload, 0, sink, 0, SIZE);
        return sink;
    }
}
