package org.dmasim.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.dma.core.DmaCoreBoot;
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
 * Issue 8's streaming budget: {@code dma_map_single} + {@code dma_unmap_single} of 4 KiB on a
 * coherent 64-bit device that needs no bounce (dma-direct, the mapping recorded and forgotten),
 * against a {@code HashMap<Long, Object>} put + remove of a boxed key measured in the same run
 * (the target: the pair costs at most the HashMap pair). The buffer is one page of a
 * {@code pc-x86_64} platform's ZONE_NORMAL, mapped through its linear-map address as a driver's
 * kmalloc buffer would be; the HashMap keys walk pages above 4 GiB so that none is a cached Long.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class DmaMapSingleBenchmark {
    private DmaApi dma;
    private DmaDevice dev;
    private CpuAddr buffer;
    private final Map<Long, Object> map = new HashMap<>();
    private long key = 0x100000000L;

    @Setup
    public void boot() {
        BootResult booted = Platforms.bootProfile("pc-x86_64", Map.of(), new DmaCoreBoot());
        dma = booted.lookup(DmaApi.class).orElseThrow();
        dev = dma.createDevice(DeviceSpec.pci("nic"));
        dma.setMaskAndCoherent(dev, -1L);
        PageAllocator buddy = booted.lookup(PageAllocator.class).orElseThrow();
        long pfn = buddy.allocPages(Gfp.GFP_KERNEL, 0);
        buffer = new CpuAddr(dma.kernelVm().linearAddress(Page.pfnPhys(pfn)));
    }

    @Benchmark
    public long mapUnmapSingle4k() {
        DmaAddr a = dma.mapSingle(dev, buffer, 4096, DmaDirection.TO_DEVICE, 0);
        dma.unmapSingle(dev, a, 4096, DmaDirection.TO_DEVICE, 0);
        return a.value();
    }

    @Benchmark
    public Object hashMapPutRemoveBoxedLong() {
        key += 4096;
        Long k = key;
        map.put(k, this);
        return map.remove(k);
    }
}
