package org.dmasim.arch.arm64;

import java.util.HashSet;
import java.util.Set;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mm.Page;

/**
 * The memblock allocations of {@code bootmem_init()} before the default CMA area (arch/arm64/mm/
 * init.c, drivers/base/arch_numa.c, mm/sparse.c, mm/sparse-vmemmap.c, 6.1), in kernel order:
 *
 * <ol>
 * <li>{@code arch_numa_init()}: {@code numa_alloc_distance()} takes nr_node_ids² bytes
 * (MAX_NUMNODES = 16 at this point, so 256) page aligned; the device-tree attempt finds no
 * {@code numa-node-id}, frees it, and the fallback single node takes the same place again. Then
 * {@code setup_node_data()} allocates NODE_DATA: {@code sizeof(pg_data_t)} rounded to
 * SMP_CACHE_BYTES.</li>
 * <li>{@code sparse_init()}: {@code memblocks_present()} allocates the mem_section root table
 * (NR_SECTION_ROOTS pointers: 2^(48 - 27) sections / 128 per root = 16384 × 8 bytes, 64-byte
 * aligned) and one 4 KiB root per 128 present sections in use; {@code sparse_init_nid()} then
 * allocates the usemaps ({@code mem_section_usage} plus 4 longs of pageblock flags, 56 bytes a
 * present section) inside the section that holds NODE_DATA, and the memmap buffer: one PMD
 * (2 MiB: 32768 struct pages of 64 bytes) per present section, 2 MiB aligned. Populating the
 * vmemmap maps that buffer with 2 MiB blocks; the tables on the way (a PUD page for the vmemmap's
 * PGD entry, a PMD page per GiB of vmemmap, i.e. per 64 GiB of RAM span) are single pages.</li>
 * </ol>
 */
final class BootmemInit {
    static final long NUMA_DISTANCE_BYTES = 16 * 16;
    static final long SECTION_SIZE = 1L << Page.SECTION_SIZE_BITS;
    static final long PAGES_PER_SECTION = SECTION_SIZE / Page.PAGE_SIZE;
    static final long SECTIONS_PER_ROOT = Page.PAGE_SIZE / KernelStructs.MEM_SECTION;
    static final long NR_SECTION_ROOTS = (1L << (Arm64Arch.PHYS_MASK_SHIFT - Page.SECTION_SIZE_BITS)) / SECTIONS_PER_ROOT;
    /** SECTION_BLOCKFLAGS_BITS = (PAGES_PER_SECTION / pageblock_nr_pages) × NR_PAGEBLOCK_BITS = 64 × 4. */
    static final long USEMAP_BYTES = (PAGES_PER_SECTION / Page.PAGEBLOCK_NR_PAGES) * 4 / 8;
    static final long MEM_SECTION_USAGE_SIZE = KernelStructs.MEM_SECTION_USAGE + USEMAP_BYTES;
    /** section_map_size(): PAGES_PER_SECTION struct pages, PMD aligned. */
    static final long SECTION_MAP_SIZE = PAGES_PER_SECTION * Page.STRUCT_PAGE_SIZE;
    static final long VMEMMAP_START = 0xfffffc0000000000L;

    private BootmemInit() {
    }

    static void run(Memblock mb) {
        EarlyAllocations.mustAlloc(mb, NUMA_DISTANCE_BYTES, Page.PAGE_SIZE, "numa_distance");
        long nodeData = EarlyAllocations.mustAlloc(mb, (KernelStructs.PGLIST_DATA + Memblock.SMP_CACHE_BYTES - 1)
            & -Memblock.SMP_CACHE_BYTES, Memblock.SMP_CACHE_BYTES, "NODE_DATA");
        sparseInit(mb, nodeData);
    }

    static void sparseInit(Memblock mb, long nodeData) {
        EarlyAllocations.mustAlloc(mb, NR_SECTION_ROOTS * 8, Memblock.SMP_CACHE_BYTES, "mem_section");
        Set<Long> roots = new HashSet<>();
        for (long section : presentSections(mb)) {
            if (roots.add(section / SECTIONS_PER_ROOT)) {
                EarlyAllocations.mustAlloc(mb, SECTIONS_PER_ROOT * KernelStructs.MEM_SECTION, Memblock.SMP_CACHE_BYTES,
                    "mem_section root");
            }
        }
        long count = mb.presentSections();
        long goal = nodeData & -SECTION_SIZE;
        long usemap = mb.allocTryNid(MEM_SECTION_USAGE_SIZE * count, Memblock.SMP_CACHE_BYTES, goal, goal + SECTION_SIZE);
        if (usemap == 0) {
            EarlyAllocations.mustAlloc(mb, MEM_SECTION_USAGE_SIZE * count, Memblock.SMP_CACHE_BYTES, "usemap");
        }
        EarlyAllocations.mustAlloc(mb, count * SECTION_MAP_SIZE, SECTION_MAP_SIZE, "memmap");
        long memstartPfn = Page.pfnDown(mb.startOfDram() & -PagingInit.MEMSTART_ALIGN);
        PagingInit.Tables vmemmap = new PagingInit.Tables();
        for (long section : presentSections(mb)) {
            long va = VMEMMAP_START + (section * PAGES_PER_SECTION - memstartPfn) * Page.STRUCT_PAGE_SIZE;
            vmemmap.map(va, 0, SECTION_MAP_SIZE, true);
        }
        for (int i = 0; i < vmemmap.pages(); i++) {
            EarlyAllocations.mustAlloc(mb, Page.PAGE_SIZE, Page.PAGE_SIZE, "vmemmap page table");
        }
    }

    /** Section numbers holding any memblock memory, ascending ({@code memblocks_present}). */
    static long[] presentSections(Memblock mb) {
        java.util.TreeSet<Long> out = new java.util.TreeSet<>();
        for (Memblock.Region r : mb.memory()) {
            for (long s = r.base() >>> Page.SECTION_SIZE_BITS; s <= (r.end() - 1) >>> Page.SECTION_SIZE_BITS; s++) {
                out.add(s);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}
