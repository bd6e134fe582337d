package org.dmasim.mm.buddy;

/**
 * A half-open range of page frame numbers {@code [startPfn, endPfn)}: one memblock memory
 * range of the node ({@code for_each_mem_pfn_range}) or one range handed to the allocator.
 */
public record PfnRange(long startPfn, long endPfn) {
    public PfnRange {
        if (startPfn < 0 || endPfn <= startPfn) {
            throw new IllegalArgumentException(String.format(
                "pfn range [%#x, %#x): start must be >= 0 and below end", startPfn, endPfn));
        }
    }

    public long pages() {
        return endPfn - startPfn;
    }
}
