package org.dmasim.iommu.smmu.hw;

/**
 * One stream's configuration as the SMMU decoded it from its STE and CD ({@code SMMUTransCfg} in
 * QEMU) and keeps in its configuration cache until a {@code CFGI_*} command drops it.
 */
final class StreamConfig {
    static final int ABORT = 0;
    static final int BYPASS = 1;
    static final int S1 = 2;

    final int kind;
    final int asid;
    /** TTB0, the start-level table's address. */
    final long ttb;
    /** Input address bits (64 - T0SZ). */
    final int inputBits;
    /** Output address bits: min(CD.IPS, IDR5.OAS). */
    final int oasBits;
    final int startLevel;
    /** CD.R: faults are recorded as events. */
    final boolean recordFaults;
    /** CD.EPD0: walks through TTB0 are disabled (every access is a translation fault). */
    final boolean ttb0Disabled;

    private StreamConfig(int kind, int asid, long ttb, int inputBits, int oasBits, boolean recordFaults,
        boolean ttb0Disabled) {
        this.kind = kind;
        this.asid = asid;
        this.ttb = ttb;
        this.inputBits = inputBits;
        this.oasBits = oasBits;
        this.startLevel = 4 - (inputBits - 4) / 9;
        this.recordFaults = recordFaults;
        this.ttb0Disabled = ttb0Disabled;
    }

    static final StreamConfig ABORTED = new StreamConfig(ABORT, 0, 0, 48, 48, false, true);
    static final StreamConfig BYPASSED = new StreamConfig(BYPASS, 0, 0, 48, 48, false, true);

    static StreamConfig stage1(int asid, long ttb, int inputBits, int oasBits, boolean recordFaults,
        boolean ttb0Disabled) {
        return new StreamConfig(S1, asid, ttb, inputBits, oasBits, recordFaults, ttb0Disabled);
    }
}
