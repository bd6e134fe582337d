package org.dmasim.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.iommu.smmu.SmmuBoot;
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
 * Issue 9's translated-DMA budgets, on qemu-virt-arm64-smmuv3's edu device (PCI, coherent,
 * 64-bit mask, default strict DMA domain), against a {@code HashMap<Long, Object>} put + remove
 * of a boxed key in the same run:
 * <ul>
 * <li>{@link #strictMapUnmap4k}: {@code dma_map_page} + {@code dma_unmap_page} of 4 KiB: an IOVA
 *     from the rcache, one leaf PTE written, cleared, a TLBI_NH_VA and a CMD_SYNC through the
 *     SMMU's command queue, the IOVA back to the rcache (target: at most 4x the HashMap pair);</li>
 * <li>{@link #map256Pages} vs {@link #map4k}: mapping 256 physically contiguous pages in one call
 *     against one 4 KiB map, each followed by its unmap outside the measured part being impossible
 *     in JMH's average-time mode, so both are measured as map+unmap pairs (target: the 1 MiB pair
 *     at most 20x the 4 KiB pair).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class IommuMapBenchmark {
    private DmaApi dma;
    private DmaDevice edu;
    private long pfn;
    private long bigPfn;
    private final Map<Long, Object> map = new HashMap<>();
    private long key = 0x100000000L;

    @Setup
    public void boot() {
        BootResult booted = Platforms.bootProfile("qemu-virt-arm64-smmuv3", Map.of(), new DmaCoreBoot(),
            new SmmuBoot());
        dma = booted.lookup(DmaApi.class).orElseThrow();
        edu = dma.device("0000:00:02.0").orElseThrow();
        dma.setMaskAndCoherent(edu, -1L);
        PageAllocator buddy = booted.lookup(PageAllocator.class).orElseThrow();
        pfn = buddy.allocPages(Gfp.GFP_KERNEL, 0);
        bigPfn = buddy.allocPages(Gfp.GFP_KERNEL, 8);
    }

    @Benchmark
    public long strictMapUnmap4k() {
        DmaAddr a = dma.mapPage(edu, pfn, 0, 4096, DmaDirection.TO_DEVICE, 0);
        dma.unmapPage(edu, a, 4096, DmaDirection.TO_DEVICE, 0);
        return a.value();
    }

    @Benchmark
    public long map256Pages() {
        DmaAddr a = dma.mapPage(edu, bigPfn, 0, 256 * Page.PAGE_SIZE, DmaDirection.BIDIRECTIONAL, 0);
        dma.unmapPage(edu, a, 256 * Page.PAGE_SIZE, DmaDirection.BIDIRECTIONAL, 0);
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
