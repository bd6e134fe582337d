package org.dmasim.arch.x86;

import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.EarlyParam;

/**
 * The swiotlb side of x86's {@code iommu=} early parameter ({@code iommu_setup},
 * arch/x86/kernel/pci-dma.c, 6.1): options are comma separated and matched by prefix;
 * {@code off} sets {@code no_iommu}, {@code soft} forces swiotlb, and {@code usedac} ends the
 * parameter. The kernel has one handler; dmasim gives its default-domain side ({@code pt},
 * {@code nopt}) and its verdict on a malformed value to the IOMMU core's handler of the same
 * name (platform), so this one accepts every value and {@code Malformed early option} is
 * printed once.
 */
final class IommuSetup {
    private boolean noIommu;
    private boolean forceSwiotlb;

    static EarlyParam handler() {
        return EarlyParam.of("iommu", (value, ctx) -> of(ctx).setup(value));
    }

    /** This boot's choices; none until an {@code iommu=} parameter is seen. */
    static IommuSetup of(BootContext ctx) {
        return ctx.get(IommuSetup.class).orElseGet(() -> {
            IommuSetup fresh = new IommuSetup();
            ctx.put(IommuSetup.class, fresh);
            return fresh;
        });
    }

    private int setup(String value) {
        if (value == null) {
            return 0; // -EINVAL in the kernel; the IOMMU core's handler reports it
        }
        for (String opt : value.split(",")) {
            noIommu |= opt.startsWith("off");
            if (opt.startsWith("usedac")) {
                return 0; // the kernel returns 1 here; the IOMMU core's handler reports it
            }
            forceSwiotlb |= opt.startsWith("soft");
        }
        return 0;
    }

    boolean noIommu() {
        return noIommu;
    }

    boolean forceSwiotlb() {
        return forceSwiotlb;
    }
}
