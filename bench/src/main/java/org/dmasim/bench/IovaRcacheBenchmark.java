package org.dmasim.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.dmasim.iommu.iova.IovaDomain;
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
 * Issue 9's IOVA budget: {@code alloc_iova_fast} + {@code free_iova_fast} of one granule that hits
 * the CPU's rcache (as dma-iommu's map/unmap of a 4 KiB buffer does in steady state, 32-bit limit
 * first), against a {@code HashMap<Long, Object>} put + remove of a boxed key measured in the
 * same run (the target: the IOVA pair costs at most half the HashMap pair). The domain is the one
 * dma-iommu builds for a PCI device on SMMUv3 (4 KiB granule, start pfn 1, PCI windows reserved);
 * one range is allocated and freed in setup so that every measured allocation is a cache hit.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class IovaRcacheBenchmark {
    private static final long LIMIT_32 = 0xfffffL;
    private IovaDomain iovad;
    private final Map<Long, Object> map = new HashMap<>();
    private long key = 0x100000000L;

    @Setup
    public void domain() {
        iovad = new IovaDomain(4096, 1, 4);
        iovad.reserve(0x10000, 0x3efef);
        iovad.reserve(0x8000000, 0xfffffff);
        iovad.freeFast(0, iovad.allocFast(0, 1, LIMIT_32, false), 1);
    }

    @Benchmark
    public long allocFreeFastOneGranule() {
        long pfn = iovad.allocFast(0, 1, LIMIT_32, false);
        iovad.freeFast(0, pfn, 1);
        return pfn;
    }

    @Benchmark
    public Object hashMapPutRemoveBoxedLong() {
        key += 4096;
        Long k = key;
        map.put(k, this);
        return map.remove(k);
    }
}
