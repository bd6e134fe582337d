package org.dmasim.iommu.smmu;

/**
 * What io-pgtable's stage-1 configuration hands the driver for the context descriptor
 * ({@code arm_smmu_domain_finalise_s1}: {@code tcr} fields and {@code mair}).
 *
 * @param t0sz 64 - input address bits (16 for 48 bits)
 * @param tg0 granule: 0 = 4 KiB
 * @param irgn inner cacheability of walks (1 = WBWA for a coherent walker)
 * @param orgn outer cacheability of walks
 * @param sh shareability of walks (3 = inner shareable)
 * @param ips output size code (4 = 44 bits)
 * @param mair MAIR0 (0xf404ff44)
 */
public record S1Config(int t0sz, int tg0, int irgn, int orgn, int sh, int ips, long mair) {
    /** io-pgtable's answer for a coherent walker, 48-bit input, 4 KiB granule and {@code oasBits} output. */
    public static S1Config coherent(int oasBits) {
        return new S1Config(16, 0, 1, 1, 3, ipsOf(oasBits), 0xf404ff44L);
    }

    /** The IPS/PS code of an output size ({@code arm_64_lpae_alloc_pgtable_s1}). */
    static int ipsOf(int oasBits) {
        return switch (oasBits) {
            case 32 -> 0;
            case 36 -> 1;
            case 40 -> 2;
            case 42 -> 3;
            case 44 -> 4;
            case 48 -> 5;
            case 52 -> 6;
            default -> throw new IllegalArgumentException("output address size " + oasBits + " bits: not an"
                + " LPAE size (32, 36, 40, 42, 44, 48, 52)");
        };
    }
}
