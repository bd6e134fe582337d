package org.dmasim.api.mm;

/**
 * Page-size arithmetic shared by every bundle (4 KiB pages, as on Debian's x86_64 and arm64
 * kernels): {@code PAGE_SHIFT}, {@code pageblock_order} (9 with hugetlb, so 2 MiB pageblocks).
 * The largest buddy order and how a kernel names it differ between versions: see
 * {@link MmRules#maxPageOrder()}.
 */
public final class Page {
    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    public static final int PAGEBLOCK_ORDER = 9;
    public static final long PAGEBLOCK_NR_PAGES = 1L << PAGEBLOCK_ORDER;
    /** SPARSEMEM section size on x86_64 and arm64 with 4 KiB pages: 128 MiB. */
    public static final int SECTION_SIZE_BITS = 27;
    public static final int PFN_SECTION_SHIFT = SECTION_SIZE_BITS - PAGE_SHIFT;
    /** Size of {@code struct page} in Debian's 6.1 kernels. */
    public static final int STRUCT_PAGE_SIZE = 64;

    private Page() {
    }

    public static long pfnDown(long phys) {
        return phys >>> PAGE_SHIFT;
    }

    public static long pfnUp(long phys) {
        return (phys + PAGE_SIZE - 1) >>> PAGE_SHIFT;
    }

    public static long pfnPhys(long pfn) {
        return pfn << PAGE_SHIFT;
    }

    public static long pageAlign(long size) {
        return (size + PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    /** {@code get_order(size)}: the smallest order whose block holds {@code size} bytes. */
    public static int getOrder(long size) {
        if (size <= PAGE_SIZE) {
            return 0;
        }
        long pages = (size - 1) >>> PAGE_SHIFT;
        return 64 - Long.numberOfLeadingZeros(pages);
    }
}
