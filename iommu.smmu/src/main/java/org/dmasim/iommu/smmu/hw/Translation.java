package org.dmasim.iommu.smmu.hw;

/**
 * The outcome of one device access through the SMMU.
 *
 * <p>{@link SmmuHw#translateRaw} answers with one {@code long} so that an IOTLB hit allocates
 * nothing: a non-negative value is the output address, with {@link #STALE_BIT} set when the hit
 * came from an IOTLB entry whose page-table entry no longer maps that page; a negative value is a
 * fault ({@link #FAULT_BIT}) with the event ID in bits 7:0 and {@link #RECORDED_BIT} when an
 * event record was written to the event queue. {@link #decode} turns it into this record.
 *
 * @param phys output (physical) address, -1 on a fault
 * @param fault the event ID of the fault ({@code 0x10} translation, {@code 0x11} address size,
 *     {@code 0x13} permission, {@code 0x02} C_BAD_STREAMID, ...), {@link #ABORT} for a stream
 *     whose STE says abort (no event), {@link #NONE} when the access went through
 * @param stale the access went through an IOTLB entry the page tables no longer back
 * @param recorded a fault whose event record is in the event queue
 */
public record Translation(long phys, int fault, boolean stale, boolean recorded) {
    /** No fault. */
    public static final int NONE = -1;
    /** STE.Config = abort: the transaction is terminated, nothing recorded. */
    public static final int ABORT = 0;
    public static final long FAULT_BIT = 1L << 63;
    public static final long STALE_BIT = 1L << 62;
    public static final long RECORDED_BIT = 1L << 8;

    public boolean ok() {
        return fault == NONE;
    }

    /** Decodes a {@link SmmuHw#translateRaw} answer. */
    public static Translation decode(long raw) {
        if ((raw & FAULT_BIT) != 0) {
            return new Translation(-1, (int) (raw & 0xff), false, (raw & RECORDED_BIT) != 0);
        }
        return new Translation(raw & ~STALE_BIT, NONE, (raw & STALE_BIT) != 0, false);
    }

    @Override
    public String toString() {
        if (ok()) {
            return String.format("phys 0x%x%s", phys, stale ? " (stale IOTLB hit)" : "");
        }
        return fault == ABORT ? "abort (STE)" : String.format("fault 0x%02x%s", fault, recorded ? " recorded" : "");
    }
}
