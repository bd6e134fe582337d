package org.dmasim.iommu.pgtable;

/**
 * The stage-1 translation control fields io-pgtable computes for its table
 * ({@code cfg->arm_lpae_s1_cfg.tcr} of 6.1), which the SMMUv3 driver copies into the context
 * descriptor.
 *
 * @param t0sz 64 - ias
 * @param tg0 granule: 0 = 4 KiB
 * @param irgn inner cacheability of walks: 1 = write-back write-allocate, 0 = non-cacheable
 * @param orgn outer cacheability of walks, same encoding
 * @param sh shareability of walks: 3 = inner, 2 = outer
 * @param ips output size: 0 = 32 bits, 1 = 36, 2 = 40, 3 = 42, 4 = 44, 5 = 48, 6 = 52
 */
public record Tcr(int t0sz, int tg0, int irgn, int orgn, int sh, int ips) {
}
