package org.dmasim.arch.arm64;

import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mm.Page;

/**
 * The memblock allocations arm64 makes between the reserved-memory scan and {@code mem_init()},
 * in kernel order, each top-down from the top of RAM:
 *
 * <ol>
 * <li>before the zones: the kernel and linear-map page tables ({@code paging_init}; page
 * granular with Debian's rodata=full, so 2 MiB per GiB), NODE_DATA, the pageblock usemaps, the
 * sparse memmap buffer (64 bytes of {@code struct page} per page of every present 128 MiB
 * section, in 2 MiB aligned vmemmap blocks) and its page-table pages, which fit in the gap the
 * buffer's alignment leaves above it;</li>
 * <li>after the default CMA area: the per-CPU first chunk.</li>
 * </ol>
 *
 * <p>Sizes other than the memmap are calibrated against the real 6.1 boots (the oracle's
 * {@code Memory: ... reserved} figures grow by 19.5 MiB per GiB: 16 memmap + 2 page tables +
 * 1.5 hash tables). Order matters more than size: on a 1 GiB board the page tables push the
 * memmap buffer 2 MiB below the top and CMA lands right under it, at the real kernel's 0x7ac00000.
 */
final class EarlyAllocations {
    static final long SECTION_SIZE = 1L << Page.SECTION_SIZE_BITS;
    static final long SECTION_MEMMAP = (SECTION_SIZE / Page.PAGE_SIZE) * Page.STRUCT_PAGE_SIZE;
    static final long NODE_DATA_SIZE = 0x22c0;
    static final long USEMAP_PER_SECTION = 32;
    static final long PERCPU_UNIT = 30 * Page.PAGE_SIZE;
    static final long PTE_TABLES_PER_GIB = 2L << 20;

    private EarlyAllocations() {
    }

    static void beforeZones(BootContext ctx) {
        Memblock mb = ctx.memblock();
        long gib = (mb.endOfDram() - mb.startOfDram() + (1L << 30) - 1) >>> 30;
        long tables = 2 + gib;
        for (long i = 0; i < tables; i++) {
            mustAlloc(mb, Page.PAGE_SIZE, Page.PAGE_SIZE, "page table");
        }
        long ram = mb.physMemSize();
        long pte = Page.pageAlign((ram >>> 30) * PTE_TABLES_PER_GIB + ((ram & ((1L << 30) - 1)) >>> 9));
        mustAlloc(mb, pte, Page.PAGE_SIZE, "linear map page tables");
        mustAlloc(mb, NODE_DATA_SIZE, Memblock.SMP_CACHE_BYTES, "NODE_DATA");
        long sections = mb.presentSections();
        mustAlloc(mb, sections * USEMAP_PER_SECTION, Memblock.SMP_CACHE_BYTES, "usemap");
        mustAlloc(mb, sections * SECTION_MEMMAP, SECTION_MEMMAP, "memmap");
        long spanSections = (mb.endOfDram() - (mb.startOfDram() & -SECTION_SIZE) + SECTION_SIZE - 1) / SECTION_SIZE;
        long vmemmapTables = 1 + (spanSections * SECTION_MEMMAP + (1L << 30) - 1) / (1L << 30);
        for (long i = 0; i < vmemmapTables; i++) {
            mustAlloc(mb, Page.PAGE_SIZE, Page.PAGE_SIZE, "vmemmap page table");
        }
    }

    static void afterContiguous(BootContext ctx) {
        Memblock mb = ctx.memblock();
        mustAlloc(mb, PERCPU_UNIT * ctx.spec().possibleCpus(), Page.PAGE_SIZE, "percpu");
    }

    private static long mustAlloc(Memblock mb, long size, long align, String what) {
        long at = mb.allocTryNid(size, align, 0, Memblock.ALLOC_ACCESSIBLE);
        if (at == 0) {
            throw new org.dmasim.api.platform.InvalidInputException(String.format(
                "early boot: out of memory allocating %d bytes for the %s (RAM too small for Linux 6.1 to boot)",
                size, what));
        }
        return at;
    }
}
