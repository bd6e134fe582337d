package org.dmasim.arch.arm64;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mm.Page;

/**
 * {@code paging_init()} (arch/arm64/mm/mmu.c, 6.1): the page-table pages the kernel takes from
 * memblock, one page each ({@code early_pgtable_alloc}: top-down, page aligned), for three maps.
 *
 * <ol>
 * <li>{@code map_kernel()}: the Image's five segments (text, rodata, init text, init data,
 * data) at KIMAGE_VADDR into swapper_pg_dir. The PGD page lives in the Image; its entry needs a
 * PUD page and a PMD page; a 2 MiB block that a segment covers whole (virtual and physical
 * address 2 MiB aligned) is a block entry, every other 2 MiB needs a PTE page, shared by the
 * segments that meet in it. The fixmap's entries are copied from the Image's static tables.</li>
 * <li>{@code map_mem()}: the linear map of every memblock memory range that is not no-map, at
 * PAGE_OFFSET + (phys - memstart_addr). Debian's kernel has RODATA_FULL_DEFAULT_ENABLED, so
 * {@code can_set_direct_map()} forbids block mappings: one PTE page per 2 MiB touched. The
 * kernel's text and rodata ({@code [_stext, __init_begin)}) are marked no-map during that loop
 * and mapped afterwards with blocks allowed, so only their partial 2 MiB ends need PTE pages
 * (which the loop already made).</li>
 * <li>{@code create_idmap()}: the identity map of {@code .idmap.text} (a few KiB, and the KPTI
 * flag inside it) into idmap_pg_dir: a PUD, a PMD and a PTE page.</li>
 * </ol>
 *
 * <p>With a KASLR seed the kernel's virtual base moves by a multiple of 2 MiB; a placement that
 * straddles a 1 GiB boundary needs one more PMD page (the real boots' {@code reserved} figure
 * jitters by that page). dmasim counts the unrandomised layout.
 */
final class PagingInit {
    static final long PAGE_OFFSET = 0xffff000000000000L;
    static final long KIMAGE_VADDR = 0xffff800008000000L;
    static final long MEMSTART_ALIGN = 1L << 30;
    static final int PGDIR_SHIFT = 39;
    static final int PUD_SHIFT = 30;
    static final int PMD_SHIFT = 21;
    /** {@code __idmap_text_start} from {@code _text}, and the section's length (kallsyms). */
    static final long IDMAP_TEXT = 0xcf0000L;
    static final long IDMAP_TEXT_SIZE = 0x930L;

    private PagingInit() {
    }

    /**
     * The tables one page-table tree needs, by level and index. Each level keeps ranges of
     * indices rather than the indices one by one, so that counting the tables of a linear map
     * costs the same for 1 GiB and for 8 TiB of RAM.
     */
    static final class Tables {
        /** PUD tables: indices of PGD entries in use. */
        private final Indices puds = new Indices();
        /** PMD tables: indices of 1 GiB PUD entries that are not block mappings. */
        private final Indices pmds = new Indices();
        /** PTE tables: indices of 2 MiB PMD entries that are not block mappings. */
        private final Indices ptes = new Indices();

        /**
         * {@code __create_pgd_mapping} of [va, va + size) to pa; blocks when allowed and aligned.
         * A level's entry is a block when the virtual range covers it whole and the physical
         * address is aligned alike, so with {@code pa - va} aligned only the partial entries at
         * the two ends need a table of the next level, and otherwise every entry does.
         */
        void map(long va, long pa, long size, boolean blocks) {
            if (size == 0) {
                return;
            }
            long last = va + size - 1;
            long offset = pa - va;
            puds.add(va >>> PGDIR_SHIFT, last >>> PGDIR_SHIFT);
            tablesBelow(pmds, va, last, PUD_SHIFT, blocks && aligned(offset, PUD_SHIFT));
            tablesBelow(ptes, va, last, PMD_SHIFT, blocks && aligned(offset, PMD_SHIFT));
        }

        /** The entries of [va, last] at {@code shift} that need a next-level table. */
        private static void tablesBelow(Indices level, long va, long last, int shift, boolean interiorBlocks) {
            if (!interiorBlocks) {
                level.add(va >>> shift, last >>> shift);
                return;
            }
            if (!aligned(va, shift)) {
                level.add(va >>> shift, va >>> shift);
            }
            if (!aligned(last + 1, shift)) {
                level.add(last >>> shift, last >>> shift);
            }
        }

        int pages() {
            return Math.toIntExact(puds.count() + pmds.count() + ptes.count());
        }

        private static boolean aligned(long v, int shift) {
            return (v & ((1L << shift) - 1)) == 0;
        }
    }

    /** A set of non-negative indices held as inclusive ranges; {@link #count()} merges overlaps. */
    static final class Indices {
        private final List<long[]> ranges = new ArrayList<>();

        void add(long first, long last) {
            ranges.add(new long[] {first, last});
        }

        long count() {
            List<long[]> sorted = new ArrayList<>(ranges);
            sorted.sort((a, b) -> Long.compare(a[0], b[0]));
            long n = 0;
            long covered = -1; // the highest index counted so far
            for (long[] r : sorted) {
                long from = Math.max(r[0], covered + 1);
                if (from <= r[1]) {
                    n += r[1] - from + 1;
                    covered = r[1];
                }
            }
            return n;
        }
    }

    /** Counts the three maps' tables and takes that many pages from memblock. */
    static int run(Memblock mb, KernelImage image) {
        Tables swapper = new Tables();
        mapKernel(swapper, image.base());
        mapMem(swapper, mb, image.base());
        Tables idmap = new Tables();
        long idmapText = image.base() + IDMAP_TEXT;
        idmap.map(idmapText & -Page.PAGE_SIZE, idmapText & -Page.PAGE_SIZE,
            Page.pageAlign(idmapText + IDMAP_TEXT_SIZE) - (idmapText & -Page.PAGE_SIZE), true);
        int pages = swapper.pages() + idmap.pages();
        for (int i = 0; i < pages; i++) {
            EarlyAllocations.mustAlloc(mb, Page.PAGE_SIZE, Page.PAGE_SIZE, "page table");
        }
        return pages;
    }

    static void mapKernel(Tables t, long pa) {
        long[] bounds = {KernelImage.STEXT, KernelImage.ETEXT, KernelImage.INIT_BEGIN, KernelImage.INITTEXT_END,
            KernelImage.INIT_END, KernelImage.IMAGE_SIZE};
        for (int i = 0; i + 1 < bounds.length; i++) {
            t.map(KIMAGE_VADDR + bounds[i], pa + bounds[i], bounds[i + 1] - bounds[i], true);
        }
    }

    static void mapMem(Tables t, Memblock mb, long imageBase) {
        long memstart = mb.startOfDram() & -MEMSTART_ALIGN;
        long kernelStart = imageBase + KernelImage.STEXT;
        long kernelEnd = imageBase + KernelImage.INIT_BEGIN;
        for (long[] r : mappedRanges(mb, kernelStart, kernelEnd)) {
            t.map(PAGE_OFFSET + (r[0] - memstart), r[0], r[1] - r[0], false);
        }
        t.map(PAGE_OFFSET + (kernelStart - memstart), kernelStart, kernelEnd - kernelStart, true);
    }

    /** {@code for_each_mem_range} with the kernel's text temporarily no-map: [start, end) pairs. */
    static List<long[]> mappedRanges(Memblock mb, long holeStart, long holeEnd) {
        List<long[]> out = new ArrayList<>();
        for (Memblock.Region r : mb.memory()) {
            if ((r.flags() & Memblock.NOMAP) != 0) {
                continue;
            }
            long s = r.base();
            long e = r.end();
            if (Long.compareUnsigned(holeStart, e) < 0 && Long.compareUnsigned(s, holeEnd) < 0) {
                if (Long.compareUnsigned(s, holeStart) < 0) {
                    out.add(new long[] {s, holeStart});
                }
                if (Long.compareUnsigned(holeEnd, e) < 0) {
                    out.add(new long[] {holeEnd, e});
                }
            } else {
                out.add(new long[] {s, e});
            }
        }
        return out;
    }
}
