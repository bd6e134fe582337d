package org.dmasim.testing;

import org.dmasim.api.mm.Gfp;

/**
 * GFP values that differ between kernel versions, for tests that do not boot a platform to ask
 * its {@link org.dmasim.api.mm.MmRules}: Linux 6.1's, the default kernel's.
 */
public final class Gfps {
    /** 6.1's {@code __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM} (0xa20); 6.12's lacks 0x200. */
    public static final int GFP_ATOMIC = Gfp.__GFP_HIGH | 0x200 | Gfp.__GFP_KSWAPD_RECLAIM;

    private Gfps() {
    }
}
