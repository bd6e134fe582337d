package org.dmasim.swiotlb;

import java.util.List;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * A bounce pool ({@code struct io_tlb_mem}): {@code nslabs} slots of 2 KiB from {@code start},
 * and the memory it took: the pool itself and its slot and area arrays, from memblock at boot
 * ({@code swiotlb_init_remap}) or from the page allocator later ({@code swiotlb_init_late}).
 * Slot allocation (areas, next-fit per area, segment boundaries, copies) is the streaming-DMA
 * issue's; boot needs the placement and the report, run time its life.
 */
final class Swiotlb implements SwiotlbPool {
    /** Memory the pool owns: a physical range, and whether it came from memblock (else the buddy allocator, as one block). */
    record Taken(long phys, long bytes, boolean boot, int order) {
    }

    private final long start;
    private final long nslabs;
    private final boolean forceBounce;
    private final List<Taken> taken;

    Swiotlb(long start, long nslabs, boolean forceBounce, List<Taken> taken) {
        this.start = start;
        this.nslabs = nslabs;
        this.forceBounce = forceBounce;
        this.taken = List.copyOf(taken);
    }

    static Swiotlb none(boolean forceBounce) {
        return new Swiotlb(0, 0, forceBounce, List.of());
    }

    @Override
    public long start() {
        return start;
    }

    @Override
    public long end() {
        return start + (nslabs << IO_TLB_SHIFT);
    }

    @Override
    public long nslabs() {
        return nslabs;
    }

    @Override
    public boolean forceBounce() {
        return forceBounce;
    }

    /** What the pool took, in the order it took it (pool first). */
    List<Taken> taken() {
        return taken;
    }

    /** {@code swiotlb_print_info()}. */
    String info() {
        if (nslabs == 0) {
            return null;
        }
        return String.format("software IO TLB: mapped [mem 0x%016x-0x%016x] (%dMB)", start, end(), (nslabs << IO_TLB_SHIFT) >>> 20);
    }

    /** How the instance view names it. */
    String description() {
        if (nslabs == 0) {
            return "no bounce pool" + (forceBounce ? " (swiotlb=force)" : "");
        }
        return String.format("bounce pool [mem 0x%016x-0x%016x] (%dMB), %d slots%s", start, end(),
            (nslabs << IO_TLB_SHIFT) >>> 20, nslabs, forceBounce ? ", swiotlb=force" : "");
    }
}
