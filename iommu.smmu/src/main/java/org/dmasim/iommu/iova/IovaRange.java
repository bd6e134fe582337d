package org.dmasim.iommu.iova;

/**
 * One range of an IOVA domain's tree, in granule pfns, both ends inclusive (the kernel's
 * {@code struct iova}). {@code reserved} marks a range {@code reserve_iova} created or grew (the
 * kernel keeps no such mark; it is here so that views and tests can tell reservations apart).
 */
public record IovaRange(long pfnLo, long pfnHi, boolean reserved) {
    /** Granules in the range. */
    public long size() {
        return pfnHi - pfnLo + 1;
    }
}
