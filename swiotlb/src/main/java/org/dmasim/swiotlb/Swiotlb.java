package org.dmasim.swiotlb;

import java.util.List;
import org.dmasim.api.swiotlb.SwiotlbPool;

/**
 * Where the default bounce pool ({@code io_tlb_default_mem}) was put and what memory it took: the
 * pool itself and its slot and area arrays, from memblock at boot ({@code swiotlb_init_remap}) or
 * from the page allocator later ({@code swiotlb_init_late}). The slots themselves live in the
 * run-time instance's {@link IoTlbMem}; this record is what boot decides and release gives back.
 *
 * @param nareas {@code mem->nareas}; 0 without a pool
 */
record Swiotlb(long start, long nslabs, int nareas, boolean forceBounce, List<Taken> taken) {
    /** Memory the pool owns: a physical range, and whether it came from memblock (else the buddy allocator, as one block). */
    record Taken(long phys, long bytes, boolean boot, int order) {
    }

    Swiotlb {
        taken = List.copyOf(taken);
    }

    static Swiotlb none(boolean forceBounce) {
        return new Swiotlb(0, 0, 0, forceBounce, List.of());
    }

    long end() {
        return start + (nslabs << SwiotlbPool.IO_TLB_SHIFT);
    }

    /** {@code swiotlb_print_info()}. */
    String info() {
        if (nslabs == 0) {
            return null;
        }
        return String.format("software IO TLB: mapped [mem 0x%016x-0x%016x] (%dMB)", start, end(),
            (nslabs << SwiotlbPool.IO_TLB_SHIFT) >>> 20);
    }

    /** How the instance view names it. */
    String description() {
        if (nslabs == 0) {
            return "no bounce pool" + (forceBounce ? " (swiotlb=force)" : "");
        }
        return String.format("bounce pool [mem 0x%016x-0x%016x] (%dMB), %d slots%s", start, end(),
            (nslabs << SwiotlbPool.IO_TLB_SHIFT) >>> 20, nslabs, forceBounce ? ", swiotlb=force" : "");
    }
}
