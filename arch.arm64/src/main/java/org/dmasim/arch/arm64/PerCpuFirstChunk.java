package org.dmasim.arch.arm64;

import org.dmasim.api.platform.BootLog;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mm.Page;

/**
 * {@code setup_per_cpu_areas()} (drivers/base/arch_numa.c) with {@code pcpu_embed_first_chunk()}
 * (mm/percpu.c, 6.1): the first percpu chunk and its bookkeeping, from memblock.
 *
 * <p>Sizes: arm64 embeds with PERCPU_MODULE_RESERVE (8 KiB) reserved, PERCPU_DYNAMIC_RESERVE
 * (28 KiB) dynamic and a PAGE_SIZE atom. {@code pcpu_build_alloc_info()}: size_sum =
 * PFN_ALIGN(static + reserved + max(dynamic, PERCPU_DYNAMIC_EARLY_SIZE 20 KiB)), the dynamic part
 * growing to fill the page; with a one-page atom the unit is size_sum (at least
 * PCPU_MIN_UNIT_SIZE, 32 KiB), one unit per possible CPU, all CPUs in one group (one node).
 *
 * <p>Allocations, in order: the alloc_info (PFN_ALIGN of its header, groups and cpu map; page
 * aligned), the group pointer array (PFN_ALIGN(8 × groups), 64-byte aligned), the group's units
 * (page aligned); then {@code pcpu_setup_first_chunk()}'s group offsets and sizes, unit map and
 * unit offsets, the chunk slot lists (one list_head per slot: the size-class slots of the unit
 * size plus the sidelined, free and to-depopulate slots) and, for the reserved and the dynamic
 * region each, a chunk with its populated bitmap, its allocation and boundary bitmaps (one bit per
 * 4 bytes) and one block descriptor per page. The alloc_info and the group array are freed at the
 * end, leaving holes later allocations reuse.
 */
final class PerCpuFirstChunk {
    static final long MODULE_RESERVE = 8 << 10;
    static final long DYNAMIC_RESERVE = 28 << 10;
    static final long DYNAMIC_EARLY_SIZE = 20 << 10;
    static final long MIN_UNIT_SIZE = 32 << 10;
    static final int PCPU_MIN_ALLOC_SHIFT = 2;
    static final int PCPU_SLOT_BASE_SHIFT = 5;

    private PerCpuFirstChunk() {
    }

    static void run(Memblock mb, int cpus, BootLog log) {
        long staticSize = KernelStructs.PERCPU_STATIC;
        long sizeSum = Page.pageAlign(staticSize + MODULE_RESERVE + Math.max(DYNAMIC_RESERVE, DYNAMIC_EARLY_SIZE));
        long dynSize = sizeSum - staticSize - MODULE_RESERVE;
        long unitSize = Page.pageAlign(Math.max(sizeSum, MIN_UNIT_SIZE));
        int groups = 1;
        int units = cpus;

        long aiSize = Page.pageAlign(((KernelStructs.PCPU_ALLOC_INFO + groups * KernelStructs.PCPU_GROUP_INFO + 3) & ~3L)
            + units * 4L);
        long ai = EarlyAllocations.mustAlloc(mb, aiSize, Page.PAGE_SIZE, "percpu alloc_info");
        long areasSize = Page.pageAlign(groups * 8L);
        long areas = EarlyAllocations.mustAlloc(mb, areasSize, Memblock.SMP_CACHE_BYTES, "percpu areas");
        EarlyAllocations.mustAlloc(mb, units * unitSize, Page.PAGE_SIZE, "percpu first chunk");
        log.info(String.format("percpu: Embedded %d pages/cpu s%d r%d d%d u%d", sizeSum >>> Page.PAGE_SHIFT, staticSize,
            MODULE_RESERVE, dynSize, unitSize));

        small(mb, groups * 8L, "percpu group offsets");
        small(mb, groups * 8L, "percpu group sizes");
        small(mb, cpus * 4L, "percpu unit map");
        small(mb, cpus * 8L, "percpu unit offsets");
        int slot = Math.max(fls(unitSize) - PCPU_SLOT_BASE_SHIFT + 2, 1);
        int slots = slot + 4;
        small(mb, slots * KernelStructs.LIST_HEAD, "percpu chunk lists");
        long staticAligned = (staticSize + (1 << PCPU_MIN_ALLOC_SHIFT) - 1) & -(1L << PCPU_MIN_ALLOC_SHIFT);
        firstChunk(mb, staticAligned, MODULE_RESERVE);
        firstChunk(mb, staticAligned + MODULE_RESERVE, dynSize - (staticAligned - staticSize));

        mb.free(ai, aiSize);
        mb.free(areas, areasSize);
    }

    /** {@code pcpu_alloc_first_chunk(base + offset, mapSize)}. */
    private static void firstChunk(Memblock mb, long offset, long mapSize) {
        long startOffset = offset & (Page.PAGE_SIZE - 1);
        long regionSize = Page.pageAlign(startOffset + mapSize);
        long pages = regionSize >>> Page.PAGE_SHIFT;
        small(mb, KernelStructs.PCPU_CHUNK + longs(pages) * 8, "percpu chunk");
        long regionBits = pages * (Page.PAGE_SIZE >>> PCPU_MIN_ALLOC_SHIFT);
        small(mb, longs(regionBits) * 8, "percpu alloc_map");
        small(mb, longs(regionBits + 1) * 8, "percpu bound_map");
        small(mb, pages * KernelStructs.PCPU_BLOCK_MD, "percpu md_blocks");
    }

    private static void small(Memblock mb, long size, String what) {
        EarlyAllocations.mustAlloc(mb, size, Memblock.SMP_CACHE_BYTES, what);
    }

    private static long longs(long bits) {
        return (bits + 63) / 64;
    }

    private static int fls(long x) {
        return 64 - Long.numberOfLeadingZeros(x);
    }
}
