package org.dmasim.api.dma;

import java.util.Arrays;

/**
 * A scatter-gather list ({@code struct sg_table} with its {@code struct scatterlist} entries):
 * each entry's CPU side (page + offset, held as its physical address, and length) as the driver
 * filled it, and its DMA side ({@code sg_dma_address}, {@code sg_dma_len}) as
 * {@code dma_map_sg} wrote it. {@link #origNents()} entries exist; {@link #nents()} of them
 * carry DMA segments after a successful map (fewer when an IOMMU merged segments).
 *
 * <p>Mutable, like the kernel's: the mapping call writes the DMA side in place. Not thread safe.
 */
public final class SgTable {
    private final long[] phys;
    private final long[] length;
    private final long[] dmaAddress;
    private final long[] dmaLength;
    private int nents;

    private SgTable(long[] phys, long[] length) {
        this.phys = phys;
        this.length = length;
        this.dmaAddress = new long[phys.length];
        this.dmaLength = new long[phys.length];
        Arrays.fill(dmaAddress, -1L);
    }

    /**
     * {@code sg_alloc_table} + {@code sg_set_page} per entry.
     *
     * @param phys each entry's first physical byte ({@code page_to_phys(page) + offset})
     * @param length each entry's length in bytes (at least 1)
     * @throws IllegalArgumentException for no entries, different array lengths or a length below 1
     */
    public static SgTable of(long[] phys, long[] length) {
        if (phys.length == 0 || phys.length != length.length) {
            throw new IllegalArgumentException("sg_table: " + phys.length + " addresses and " + length.length
                + " lengths (expected: the same number, at least one)");
        }
        for (int i = 0; i < length.length; i++) {
            if (length[i] < 1 || length[i] > 0xffffffffL) {
                throw new IllegalArgumentException("sg_table: entry " + i + " length " + length[i]
                    + " (expected: 1..0xffffffff, an unsigned int)");
            }
        }
        return new SgTable(phys.clone(), length.clone());
    }

    /** A one-entry table ({@code sg_init_one}). */
    public static SgTable one(long phys, long length) {
        return of(new long[] {phys}, new long[] {length});
    }

    /** {@code orig_nents}: entries the CPU side holds. */
    public int origNents() {
        return phys.length;
    }

    /** {@code nents}: DMA segments after the last successful map; 0 before. */
    public int nents() {
        return nents;
    }

    public long phys(int i) {
        return phys[i];
    }

    public long length(int i) {
        return length[i];
    }

    /** {@code sg_dma_address}; all ones ({@code DMA_MAPPING_ERROR}) while unmapped. */
    public long dmaAddress(int i) {
        return dmaAddress[i];
    }

    /** {@code sg_dma_len}; 0 while unmapped. */
    public long dmaLength(int i) {
        return dmaLength[i];
    }

    /** Bytes over the first {@code count} entries' CPU side. */
    public long totalLength(int count) {
        long t = 0;
        for (int i = 0; i < count; i++) {
            t += length[i];
        }
        return t;
    }

    /** For DMA ops: writes DMA segment {@code i}. */
    public void setDma(int i, long address, long len) {
        dmaAddress[i] = address;
        dmaLength[i] = len;
    }

    /** For DMA ops and dma.core: the number of DMA segments ({@code sgt->nents}). */
    public void setNents(int n) {
        if (n < 0 || n > phys.length) {
            throw new IllegalArgumentException("sg_table: nents " + n + " (expected: 0.." + phys.length + ")");
        }
        nents = n;
    }

    /** Clears the DMA side (after an unmap, or a failed map). */
    public void clearDma() {
        Arrays.fill(dmaAddress, -1L);
        Arrays.fill(dmaLength, 0);
        nents = 0;
    }
}
