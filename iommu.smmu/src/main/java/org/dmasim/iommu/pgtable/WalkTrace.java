package org.dmasim.iommu.pgtable;

import java.util.List;

/**
 * One software walk of an io-pgtable for an IOVA, as the shell's page-table dump shows it: the
 * descriptor read at each level and why the walk stopped.
 *
 * @param iova the IOVA walked
 * @param steps the descriptors read, top level first
 * @param stop why the walk ended
 * @param phys the output address for {@link Stop#LEAF} (leaf address plus the IOVA's offset in
 *     the leaf), else 0
 */
public record WalkTrace(long iova, List<Step> steps, Stop stop, long phys) {
    /**
     * One descriptor read.
     *
     * @param level the lookup level (0..3)
     * @param entryPa the physical address of the descriptor
     * @param pte its value
     */
    public record Step(int level, long entryPa, long pte) {
    }

    /** Why a walk ended. */
    public enum Stop {
        /** A page or block descriptor: the IOVA translates. */
        LEAF,
        /** A zero descriptor: nothing is mapped there. */
        EMPTY,
        /** The IOVA has bits at or above the input address size (T0SZ): no table covers it. */
        OUT_OF_RANGE,
        /** A table descriptor points at memory that holds no descriptor page. */
        NO_TABLE
    }
}
