package org.dmasim.iommu.iova;

/**
 * {@code struct iova_magazine} as a bare {@code long[]}: the size word, then {@code
 * IOVA_MAG_SIZE} (127) pfns, the kernel's 1024 bytes, with 128 bytes of padding on both sides so
 * that the words one CPU writes under its cache lock share no host cache line with another
 * CPU's magazine, wherever the collector puts them. Static helpers, no object per magazine.
 *
 * <p>Push appends at the top; pop scans from the top down for the first pfn at or below a bound
 * and fills its slot with the top pfn ({@code iova_magazine_pop}), so the order is LIFO while the
 * top fits.
 */
final class IovaMagazine {
    /** {@code IOVA_MAG_SIZE}: 127 pfns, so that size word + pfns fill 1 KiB. */
    static final int MAG_SIZE = 127;
    /** 128 bytes of longs before the size word and after the last pfn. */
    private static final int PAD = 16;
    private static final int SIZE_AT = PAD;
    private static final int PFNS_AT = PAD + 1;
    private static final int LENGTH = PFNS_AT + MAG_SIZE + PAD;

    private IovaMagazine() {
    }

    /** {@code iova_magazine_alloc}: an empty magazine. */
    static long[] alloc() {
        return new long[LENGTH];
    }

    static int size(long[] mag) {
        return (int) mag[SIZE_AT];
    }

    static boolean isFull(long[] mag) {
        return mag[SIZE_AT] == MAG_SIZE;
    }

    static boolean isEmpty(long[] mag) {
        return mag[SIZE_AT] == 0;
    }

    /** The i-th pfn from the bottom. */
    static long pfn(long[] mag, int i) {
        return mag[PFNS_AT + i];
    }

    /**
     * {@code iova_magazine_pop} of a non-empty magazine: the topmost pfn not above {@code bound}
     * (unsigned), its slot refilled with the top pfn; 0 when none fits.
     */
    static long pop(long[] mag, long bound) {
        int top = (int) mag[SIZE_AT] - 1;
        long pfn = mag[PFNS_AT + top];
        if (Long.compareUnsigned(pfn, bound) <= 0) {
            mag[SIZE_AT] = top; // the usual case: the top fits
            return pfn;
        }
        int i = top;
        while (Long.compareUnsigned(mag[PFNS_AT + i], bound) > 0) {
            if (i == 0) {
                return 0;
            }
            i--;
        }
        pfn = mag[PFNS_AT + i];
        mag[PFNS_AT + i] = mag[PFNS_AT + top];
        mag[SIZE_AT] = top;
        return pfn;
    }

    static void setSize(long[] mag, int n) {
        mag[SIZE_AT] = n;
    }

    /** {@code iova_magazine_push}'s store: the i-th pfn from the bottom (the caller keeps the size). */
    static void setPfn(long[] mag, int i, long pfn) {
        mag[PFNS_AT + i] = pfn;
    }

    /** Size 0 after its pfns went back to the tree. */
    static void clear(long[] mag) {
        mag[SIZE_AT] = 0;
    }
}
