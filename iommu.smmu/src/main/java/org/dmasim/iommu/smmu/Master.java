package org.dmasim.iommu.smmu;

import java.util.Arrays;

/**
 * {@code struct arm_smmu_master}: a device behind the SMMU, its stream IDs and what it is
 * attached to.
 */
public final class Master {
    /** Not attached (STE abort or bypass per {@code disable_bypass}). */
    static final int NONE = 0;
    /** Attached to an identity domain (STE bypass). */
    static final int BYPASS = 1;
    /** Attached to a stage-1 domain. */
    static final int S1 = 2;

    private final String label;
    private final String name;
    private final int[] sids;
    int state = NONE;
    int asid;
    boolean released;

    Master(String label, String name, int[] sids) {
        this.label = label;
        this.name = name;
        this.sids = sids.clone();
    }

    /** {@code dev_name}, e.g. {@code 0000:00:02.0}. */
    public String name() {
        return name;
    }

    /** The prefix of the device's messages, e.g. {@code pci 0000:00:02.0}. */
    public String label() {
        return label;
    }

    public int[] streamIds() {
        return sids.clone();
    }

    int[] sids() {
        return sids;
    }

    /** The ASID of the stage-1 domain the master is attached to, 0 when none. */
    public int asid() {
        return state == S1 ? asid : 0;
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(sids);
    }
}
