package org.dmasim.iommu.iova;

import java.util.List;

/**
 * What an IOVA domain's range caches hold, bin by bin ({@link IovaDomain#rcacheStats}).
 *
 * @param bins the {@code IOVA_RANGE_CACHE_MAX_SIZE} bins, bin i caching ranges of 2^i granules
 */
public record RcacheStats(List<Bin> bins) {
    public RcacheStats {
        bins = List.copyOf(bins);
    }

    /**
     * One bin.
     *
     * @param order          log2 of the bin's range size in granules
     * @param cpuPfns        per CPU, the pfns in its loaded and prev magazines
     * @param depotPfns      the pfns in the depot's magazines
     * @param depotMagazines the depot's magazines (at most 32, each full when it entered)
     */
    public record Bin(int order, List<Integer> cpuPfns, int depotPfns, int depotMagazines) {
        public Bin {
            cpuPfns = List.copyOf(cpuPfns);
        }

        /** Every pfn the bin holds. */
        public long pfns() {
            return depotPfns + cpuPfns.stream().mapToLong(Integer::longValue).sum();
        }
    }

    /** Every pfn of every bin. */
    public long pfns() {
        return bins.stream().mapToLong(Bin::pfns).sum();
    }
}
