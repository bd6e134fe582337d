package org.dmasim.dma.core.debug;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code dma_active_cacheline}: the cachelines the device may be writing, to catch two live
 * mappings that share one (the CPU would see stale data in it). The kernel keys a radix tree by
 * cacheline number and counts the extra mappings of a line in the entry's three radix-tree tag
 * bits; here a map from line to that count.
 *
 * <p>Only the first cacheline of each mapping (each DMA segment of a list) is tracked, and only
 * for mappings the device may write: DMA_TO_DEVICE ones are left out on insert and remove. A line
 * inserted a second time is {@code -EEXIST} and its count goes up; the count saturates at
 * {@value #MAX_OVERLAP} ({@code (1 << RADIX_TREE_MAX_TAGS) - 1}), the first insert that would
 * pass it is the WARN_ONCE {@code exceeded 7 overlapping mappings of cacheline}. A removal counts
 * down and deletes the line when the count would go below 0, so after a saturated count the
 * line disappears before its last mapping does.
 */
final class ActiveCachelines {
    static final int MAX_OVERLAP = 7;
    static final int EEXIST = -17;

    private final Map<Long, Integer> overlap = new HashMap<>();

    /**
     * {@code active_cacheline_insert}: 0, or {@link #EEXIST} when the line is active already.
     *
     * @param exceeded called when the count would pass {@value #MAX_OVERLAP}
     */
    int insert(DebugEntry e, Runnable exceeded) {
        if (e.dir == org.dmasim.api.dma.DmaDirection.TO_DEVICE) {
            return 0;
        }
        long cln = e.cacheline();
        Integer n = overlap.get(cln);
        if (n == null) {
            overlap.put(cln, 0);
            return 0;
        }
        if (n + 1 > MAX_OVERLAP) {
            exceeded.run();
        } else {
            overlap.put(cln, n + 1);
        }
        return EEXIST;
    }

    /** {@code active_cacheline_remove}. */
    void remove(DebugEntry e) {
        if (e.dir == org.dmasim.api.dma.DmaDirection.TO_DEVICE) {
            return;
        }
        long cln = e.cacheline();
        Integer n = overlap.get(cln);
        int left = (n == null ? 0 : n) - 1;
        if (left < 0) {
            overlap.remove(cln);
        } else {
            overlap.put(cln, left);
        }
    }

    /** The extra mappings counted on a line, or -1 when it is not active (for tests). */
    int overlapOf(long cln) {
        Integer n = overlap.get(cln);
        return n == null ? -1 : n;
    }
}
