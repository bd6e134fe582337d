package org.dmasim.api.mm;

import java.util.List;
import org.dmasim.api.platform.KernelVersion;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The facts of {@code mm/} that differ between kernel versions, as the platform's kernel has
 * them: the buddy allocator's order limit and how the source names it, and the GFP flag table
 * ({@code include/linux/gfp_types.h}: Linux 6.1 has {@code __GFP_ATOMIC}, and its
 * {@code GFP_ATOMIC} is {@code __GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM}; from 6.3 on the bit is
 * gone and {@code GFP_ATOMIC} is {@code __GFP_HIGH|__GFP_KSWAPD_RECLAIM}). The flags every version
 * shares stay constants of {@link Gfp}.
 *
 * <p>The page allocator's backend publishes one per platform at boot (reach it with
 * {@code platform.lookup(MmRules.class)}, or from the boot context).
 */
@ProviderType
public interface MmRules {
    /** The kernel these rules are of. */
    KernelVersion kernel();

    /**
     * The largest order the buddy allocator hands out: 10 in both 6.1 ({@code MAX_ORDER - 1},
     * MAX_ORDER being the exclusive 11) and 6.12 ({@code MAX_PAGE_ORDER}, inclusive).
     */
    int maxPageOrder();

    /** {@code MAX_ORDER_NR_PAGES}: the pages of a block of {@link #maxPageOrder()}. */
    default long maxOrderNrPages() {
        return 1L << maxPageOrder();
    }

    /**
     * How this kernel's source states the limit, for messages about a bad order: 6.1
     * {@code MAX_ORDER is 11}, 6.12 {@code MAX_PAGE_ORDER is 10}.
     */
    String orderLimit();

    /**
     * A GFP flag or mask by its kernel name ({@code GFP_ATOMIC}, {@code __GFP_ZERO}, ...).
     *
     * @throws IllegalArgumentException for a name this kernel does not have, naming the kernel
     */
    int gfp(String name);

    /** Every flag and mask name {@link #gfp} knows, masks first. */
    List<String> gfpNames();

    /** This kernel's {@code GFP_ATOMIC}. */
    default int gfpAtomic() {
        return gfp("GFP_ATOMIC");
    }

    /** Flags as this kernel's {@code %pGg} prints them, e.g. {@code GFP_KERNEL|GFP_DMA}. */
    String formatGfp(int gfp);
}
