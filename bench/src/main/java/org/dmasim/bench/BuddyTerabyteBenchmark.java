package org.dmasim.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.dmasim.api.dto.ZoneDTO;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.mm.buddy.BuddyAllocator;
import org.dmasim.mm.buddy.BuddyOptions;
import org.dmasim.mm.buddy.PfnRange;
import org.dmasim.mm.buddy.ZoneSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Building the buddy allocator of a 1 TiB x86_64 server (the TerabyteTest layout: 268 M pages,
 * 8200 sections, 64 CPUs) and handing it all boot memory ({@code memblock_free_all}) plus the
 * watermark setup. Reports the time per build; at the end of the trial it prints the metadata
 * bytes the allocator holds (section table, materialised sections, empty pcp list buffers)
 * and those bytes per present page.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class BuddyTerabyteBenchmark {
    static final long TOP = 0x10040000L;
    static final List<PfnRange> MEM = List.of(new PfnRange(0x1, 0x9f), new PfnRange(0x100, 0xbffe0),
        new PfnRange(0x100000, TOP));
    static final List<PfnRange> RESERVED = List.of(new PfnRange(0x0, 0x100), new PfnRange(0x1000, 0x3400),
        new PfnRange(0xbbf00, 0xbffe0), new PfnRange(TOP - 0x401000, TOP));

    /** The last allocator built, for the metadata figures printed at the end of the trial. */
    private BuddyAllocator last;

    @TearDown(Level.Trial)
    public void printMetadata() {
        long presentPages = 0;
        for (ZoneDTO z : last.zones()) {
            presentPages += z.present;
        }
        System.out.printf("%n1 TiB buddy allocator: %d metadata bytes (%d of them pcp lists) for %d present pages "
            + "= %.5f bytes per present page; %d sections materialised%n", last.metadataBytes(),
            last.pcpMetadataBytes(), presentPages, (double) last.metadataBytes() / presentPages,
            last.materialisedSections());
    }

    private static long present(long start, long end) {
        long n = 0;
        for (PfnRange r : MEM) {
            n += Math.max(0, Math.min(end, r.endPfn()) - Math.max(start, r.startPfn()));
        }
        return n;
    }

    private static List<PfnRange> freeRanges() {
        List<PfnRange> out = new ArrayList<>();
        for (PfnRange m : MEM) {
            long cur = m.startPfn();
            for (PfnRange r : RESERVED) {
                if (r.endPfn() <= cur || r.startPfn() >= m.endPfn()) {
                    continue;
                }
                if (r.startPfn() > cur) {
                    out.add(new PfnRange(cur, r.startPfn()));
                }
                cur = Math.max(cur, r.endPfn());
            }
            if (cur < m.endPfn()) {
                out.add(new PfnRange(cur, m.endPfn()));
            }
        }
        return out;
    }

    private static final List<PfnRange> FREE = freeRanges();

    @Benchmark
    public BuddyAllocator createAndFreeAllBootMemory() {
        BuddyAllocator a = BuddyAllocator.create(List.of(
                new ZoneSpec(ZoneType.DMA, 0x1, 0x1000 - 0x1, present(0x1, 0x1000)),
                new ZoneSpec(ZoneType.DMA32, 0x1000, 0x100000 - 0x1000, present(0x1000, 0x100000)),
                new ZoneSpec(ZoneType.NORMAL, 0x100000, TOP - 0x100000, present(0x100000, TOP)),
                ZoneSpec.empty(ZoneType.MOVABLE), ZoneSpec.empty(ZoneType.DEVICE)), MEM,
            BuddyOptions.defaults().withCmaConfigured(false).withNrCpus(64));
        for (PfnRange r : FREE) {
            a.freeBootMemory(r.startPfn(), r.endPfn());
        }
        a.setupPerZoneWmarks();
        last = a;
        return a;
    }
}
