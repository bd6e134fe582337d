package org.dmasim.iommu.smmu;

/**
 * The {@code arm_smmu_v3} module parameters of 6.1 (both read-only after boot).
 *
 * @param disableBypass {@code disable_bypass} (default true): streams without a domain abort
 *     instead of bypassing, and the SMMU is enabled even when firmware probing failed
 * @param disableMsipolling {@code disable_msipolling} (default false): poll CONS for CMD_SYNC
 *     completion instead of an MSI write-back; QEMU's SMMU has no MSIs, so it changes nothing there
 */
public record SmmuParams(boolean disableBypass, boolean disableMsipolling) {
    public static final SmmuParams DEFAULTS = new SmmuParams(true, false);
}
