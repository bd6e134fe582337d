package org.dmasim.api.boot;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The early boot allocator ({@code mm/memblock.c}): two sorted, merged region arrays,
 * {@code memory} and {@code reserved}. Allocation is top-down by default: the highest
 * free range that fits, candidate = round_down(range_end - size, align).
 */
@ProviderType
public interface Memblock {
    /** {@code MEMBLOCK_ALLOC_ANYWHERE}: no upper limit. */
    long ALLOC_ANYWHERE = -1L;
    /** {@code MEMBLOCK_ALLOC_ACCESSIBLE}: up to the current limit. */
    long ALLOC_ACCESSIBLE = 0L;
    /** {@code SMP_CACHE_BYTES}, the default alignment. */
    long SMP_CACHE_BYTES = 64;

    /** Region flags. */
    int NONE = 0;
    int HOTPLUG = 1;
    int MIRROR = 2;
    int NOMAP = 4;

    /**
     * The end of [base, base + size) as {@code memblock_cap_size} leaves it: a size that runs past
     * the end of the physical address space stops there instead of wrapping around.
     *
     * @since 2.7
     */
    static long cappedEnd(long base, long size) {
        return Long.compareUnsigned(size, -1L - base) > 0 ? -1L : base + size;
    }

    /** One region; {@code end()} is exclusive. */
    record Region(long base, long size, int flags) {
        public long end() {
            return base + size;
        }
    }

    void addMemory(long base, long size);

    /**
     * {@code memblock_allow_resize()}. Until it is called each region array holds at most
     * {@code INIT_MEMBLOCK_REGIONS} (128) regions, and an add, reserve, remove or flag change
     * that needs more fails ({@link #lastError()}) and changes nothing, as in the kernel.
     */
    default void allowResize() {
    }

    /** 0 when the last add, reserve, remove, free or flag change took effect, else -ENOMEM. */
    default int lastError() {
        return 0;
    }

    void removeMemory(long base, long size);

    /** {@code memblock_reserve}: overlapping reservations are allowed and merge. */
    void reserve(long base, long size);

    /** {@code memblock_phys_free}: unreserve. */
    void free(long base, long size);

    void markNomap(long base, long size);

    void clearNomap(long base, long size);

    /** {@code memblock_mem_limit_remove_map} / x86 {@code mem=}: keep the first {@code limit} bytes of RAM. */
    void capMemory(long limit);

    /**
     * {@code memblock_phys_alloc_range}: finds and reserves {@code size} bytes in
     * [start, end); returns 0 when nothing fits. {@code align} 0 means SMP_CACHE_BYTES.
     */
    long allocRange(long size, long align, long start, long end);

    /**
     * {@code memblock_alloc_try_nid}: like allocRange but with the upper limit clamped to the
     * current limit and a retry without the lower limit.
     */
    long allocTryNid(long size, long align, long minAddr, long maxAddr);

    /** {@code memblock_find_in_range}: like allocRange without reserving. */
    long findInRange(long size, long align, long start, long end);

    boolean isRegionReserved(long base, long size);

    boolean overlapsMemory(long base, long size);

    boolean isMemory(long addr);

    List<Region> memory();

    List<Region> reserved();

    long physMemSize();

    long reservedSize();

    long startOfDram();

    long endOfDram();

    long currentLimit();

    void setCurrentLimit(long limit);

    boolean bottomUp();

    void setBottomUp(boolean bottomUp);

    /** Free ranges (memory minus reserved, nomap excluded) in ascending order. */
    List<Region> freeRanges();

    /**
     * {@code memblocks_present()}: how many 128 MiB sparse sections hold any memory; each gets
     * a memmap (64 bytes of {@code struct page} per page) however little of it is RAM.
     */
    default long presentSections() {
        int shift = org.dmasim.api.mm.Page.SECTION_SIZE_BITS;
        long count = 0;
        long last = -1;
        for (Region r : memory()) {
            long first = r.base() >>> shift;
            long end = (r.end() - 1) >>> shift;
            if (first <= last) {
                first = last + 1;
            }
            if (end >= first) {
                count += end - first + 1;
                last = end;
            }
        }
        return count;
    }
}
