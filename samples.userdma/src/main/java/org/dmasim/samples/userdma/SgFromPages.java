package org.dmasim.samples.userdma;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mm.Page;

/**
 * {@code sg_alloc_table_from_pages_segment} (lib/scatterlist.c): a scatter-gather table over an
 * array of pages holding {@code size} bytes from {@code offset} into the first page. Runs of
 * physically contiguous pages merge into one entry while the entry stays below
 * {@code max_segment} (rounded down to whole pages; less than a page is -EINVAL, with the
 * kernel's WARN): a new entry starts when the run reaches it or the next page does not follow the
 * previous one. The first entry starts at {@code offset}, the last ends with the data.
 */
final class SgFromPages {
    private SgFromPages() {
    }

    /** The table, or null when {@code maxSegment} is below a page (-EINVAL). */
    static SgTable build(long[] pfns, int nPages, long offset, long size, long maxSegment) {
        long max = maxSegment & -Page.PAGE_SIZE;
        if (max < Page.PAGE_SIZE) {
            return null;
        }
        List<long[]> entries = new ArrayList<>();
        int cur = 0;
        long left = size;
        long off = offset;
        while (cur < nPages) {
            int j = cur + 1;
            long segLen = 0;
            for (; j < nPages; j++) {
                segLen += Page.PAGE_SIZE;
                if (segLen >= max || pfns[j] != pfns[j - 1] + 1) {
                    break;
                }
            }
            long chunk = ((long) (j - cur) << Page.PAGE_SHIFT) - off;
            entries.add(new long[] {Page.pfnPhys(pfns[cur]) + off, Math.min(left, chunk)});
            left -= chunk;
            off = 0;
            cur = j;
        }
        long[] phys = new long[entries.size()];
        long[] len = new long[entries.size()];
        for (int i = 0; i < phys.length; i++) {
            phys[i] = entries.get(i)[0];
            len[i] = entries.get(i)[1];
        }
        return SgTable.of(phys, len);
    }
}
