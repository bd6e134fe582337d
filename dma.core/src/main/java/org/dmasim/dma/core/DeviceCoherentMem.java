package org.dmasim.dma.core;

import java.util.BitSet;
import org.dmasim.api.mm.Page;

/**
 * Per-device coherent memory ({@code struct dma_coherent_mem}, kernel/dma/coherent.c): a
 * region a device owns outright, from a DT {@code shared-dma-pool} without {@code reusable} or
 * from {@code dma_declare_coherent_memory}.
 *
 * <p>Algorithm: one bit per page; an allocation of {@code size} takes
 * {@code order = get_order(size)} and claims the first naturally aligned run of {@code 2^order}
 * free pages ({@code bitmap_find_free_region}: candidates at multiples of {@code 2^order} from
 * page 0, first fit). Requests larger than the region fail at once. Release clears the run again
 * ({@code bitmap_release_region}). The region's CPU mapping is made once, when the first device
 * attaches (memremap write-combine; on both simulated arches a Normal non-cacheable alias).
 *
 * <pre>
 *   page  0   1   2   3   4   5   6   7 ...
 *   bit   1   1   0   0   1   1   1   1      order-1 request → pages 2-3; order-2 → pages 8-11
 * </pre>
 */
final class DeviceCoherentMem {
    final String name;
    final long physBase;
    /** What the device sees for page 0: {@code phys_to_dma(base)} for DT pools, the declared address otherwise. */
    final long deviceBase;
    final long cpuBase;
    final int pages;
    private final BitSet bitmap;

    DeviceCoherentMem(String name, long physBase, long deviceBase, long cpuBase, long size) {
        this.name = name;
        this.physBase = physBase;
        this.deviceBase = deviceBase;
        this.cpuBase = cpuBase;
        this.pages = (int) (size >>> Page.PAGE_SHIFT);
        this.bitmap = new BitSet(pages);
    }

    long size() {
        return (long) pages << Page.PAGE_SHIFT;
    }

    /** {@code bitmap_find_free_region}: the first page of the claimed run, or -1. */
    synchronized int allocRegion(long size) {
        if (size > size()) {
            return -1;
        }
        int order = Page.getOrder(size);
        int run = 1 << order;
        for (int pos = 0; pos + run <= pages; pos += run) {
            int used = bitmap.nextSetBit(pos);
            if (used < 0 || used >= pos + run) {
                bitmap.set(pos, pos + run);
                return pos;
            }
        }
        return -1;
    }

    /** Whether cpuAddr lies in this region's mapping ({@code dma_release_from_dev_coherent}'s test). */
    boolean containsCpu(long cpuAddr) {
        return Long.compareUnsigned(cpuAddr, cpuBase) >= 0 && Long.compareUnsigned(cpuAddr - cpuBase, size()) < 0;
    }

    synchronized boolean isAllocated(int page, int order) {
        int run = 1 << order;
        return page + run <= pages && bitmap.get(page, page + run).cardinality() == run;
    }

    /** {@code bitmap_release_region}. */
    synchronized void releaseRegion(int page, int order) {
        bitmap.clear(page, Math.min(pages, page + (1 << order)));
    }

    synchronized int usedPages() {
        return bitmap.cardinality();
    }
}
