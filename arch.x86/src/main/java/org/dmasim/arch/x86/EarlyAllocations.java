package org.dmasim.arch.x86;

import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.InvalidInputException;

/**
 * x86_64 memblock users between {@code setup_arch} and {@code mem_init}, top-down below the
 * mapped limit: direct-map page tables (1 GiB pages: a few tables), NODE_DATA, usemaps, the
 * sparse memmap buffer (2 MiB aligned, 2 MiB per present 128 MiB section) and its page tables;
 * then the per-CPU first chunk (a 2 MiB aligned unit whose unused tail is given back). The
 * oracle's reserved memory grows 17.5 MiB per GiB: 16 memmap + 1.5 hash tables.
 */
final class EarlyAllocations {
    static final long SECTION_SIZE = 1L << Page.SECTION_SIZE_BITS;
    static final long SECTION_MEMMAP = (SECTION_SIZE / Page.PAGE_SIZE) * Page.STRUCT_PAGE_SIZE;
    static final long PERCPU_UNIT = 64 * Page.PAGE_SIZE;
    static final long PMD_SIZE = 2L << 20;

    private EarlyAllocations() {
    }

    static void beforeZones(BootContext ctx) {
        Memblock mb = ctx.memblock();
        long gib = (mb.endOfDram() + (1L << 30) - 1) >>> 30;
        for (long i = 0; i < 2 + gib / 512; i++) {
            alloc(mb, Page.PAGE_SIZE, Page.PAGE_SIZE, "page table");
        }
        alloc(mb, 0x2b00, Memblock.SMP_CACHE_BYTES, "NODE_DATA");
        long sections = mb.presentSections();
        alloc(mb, sections * 32, Memblock.SMP_CACHE_BYTES, "usemap");
        alloc(mb, sections * SECTION_MEMMAP, SECTION_MEMMAP, "memmap");
        long vmemmapTables = 1 + (((mb.endOfDram() + SECTION_SIZE - 1) / SECTION_SIZE) * SECTION_MEMMAP
            + (1L << 30) - 1) / (1L << 30);
        for (long i = 0; i < vmemmapTables; i++) {
            alloc(mb, Page.PAGE_SIZE, Page.PAGE_SIZE, "vmemmap page table");
        }
    }

    static void afterZones(BootContext ctx) {
        Memblock mb = ctx.memblock();
        int cpus = ctx.spec().possibleCpus();
        long unit = Math.max(PERCPU_UNIT, PMD_SIZE);
        long at = alloc(mb, unit * cpus, PMD_SIZE, "percpu");
        for (int c = 0; c < cpus; c++) {
            mb.free(at + c * unit + PERCPU_UNIT, unit - PERCPU_UNIT);
        }
    }

    private static long alloc(Memblock mb, long size, long align, String what) {
        long at = mb.allocTryNid(size, align, 16L << 20, Memblock.ALLOC_ACCESSIBLE);
        if (at == 0) {
            throw new InvalidInputException(String.format(
                "early boot: out of memory allocating %d bytes for the %s (RAM too small for Linux to boot)", size, what));
        }
        return at;
    }
}
