package org.dmasim.mm.buddy;

/**
 * The GFP values of Linux 6.1 that are not {@link org.dmasim.api.mm.Gfp} constants, from the
 * 6.1 rules (the allocator's default kernel), for tests that exercise 6.1's behaviour.
 */
final class Gfp61 {
    static final int GFP_ATOMIC = MmKernel.of(org.dmasim.api.platform.KernelVersion.parse("6.1")).gfpAtomic();
    static final int __GFP_ATOMIC = MmKernel.V6_1.__GFP_ATOMIC;

    private Gfp61() {
    }
}
