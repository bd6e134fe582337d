package org.dmasim.api.mm;

/**
 * The GFP flags whose bit values every modelled kernel shares ({@code include/linux/gfp_types.h})
 * and the few derived questions the DMA code asks of them. What differs between versions — the
 * {@code __GFP_ATOMIC} bit of 6.1, so the value of {@code GFP_ATOMIC}, and the {@code %pGg} name
 * table — is the platform's {@link MmRules}.
 */
public final class Gfp {
    public static final int __GFP_DMA = 0x01;
    public static final int __GFP_HIGHMEM = 0x02;
    public static final int __GFP_DMA32 = 0x04;
    public static final int __GFP_MOVABLE = 0x08;
    public static final int __GFP_RECLAIMABLE = 0x10;
    public static final int __GFP_HIGH = 0x20;
    public static final int __GFP_IO = 0x40;
    public static final int __GFP_FS = 0x80;
    public static final int __GFP_ZERO = 0x100;
    public static final int __GFP_DIRECT_RECLAIM = 0x400;
    public static final int __GFP_KSWAPD_RECLAIM = 0x800;
    public static final int __GFP_WRITE = 0x1000;
    public static final int __GFP_NOWARN = 0x2000;
    public static final int __GFP_RETRY_MAYFAIL = 0x4000;
    public static final int __GFP_NOFAIL = 0x8000;
    public static final int __GFP_NORETRY = 0x10000;
    public static final int __GFP_MEMALLOC = 0x20000;
    public static final int __GFP_COMP = 0x40000;
    public static final int __GFP_NOMEMALLOC = 0x80000;
    public static final int __GFP_HARDWALL = 0x100000;
    public static final int __GFP_THISNODE = 0x200000;
    public static final int __GFP_ACCOUNT = 0x400000;

    public static final int __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
    public static final int GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
    public static final int GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;
    public static final int GFP_NOIO = __GFP_RECLAIM;
    public static final int GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
    public static final int GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
    public static final int GFP_DMA = __GFP_DMA;
    public static final int GFP_DMA32 = __GFP_DMA32;
    public static final int GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
    public static final int GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE;

    public static final int GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;

    private Gfp() {
    }

    /** {@code gfpflags_allow_blocking()}: the one bit that decides CMA and atomic-pool use. */
    public static boolean allowsBlocking(int gfp) {
        return (gfp & __GFP_DIRECT_RECLAIM) != 0;
    }

    /**
     * {@code gfp_zone()}: the highest zone an allocation may use. Flags naming a zone that
     * this kernel was built without fall back to ZONE_NORMAL, as the kernel's table does.
     *
     * @throws IllegalArgumentException for the combinations the kernel treats as a bug
     *     (__GFP_DMA with __GFP_DMA32 or __GFP_HIGHMEM)
     */
    public static ZoneType zone(int gfp, boolean zoneDma, boolean zoneDma32) {
        boolean dma = (gfp & __GFP_DMA) != 0;
        boolean dma32 = (gfp & __GFP_DMA32) != 0;
        boolean high = (gfp & __GFP_HIGHMEM) != 0;
        if (dma && (dma32 || high) || dma32 && high) {
            throw new IllegalArgumentException("gfp 0x" + Integer.toHexString(gfp)
                + ": invalid zone modifier combination (gfp_zone() would hit VM_BUG_ON)");
        }
        if (dma) {
            return zoneDma ? ZoneType.DMA : ZoneType.NORMAL;
        }
        if (dma32) {
            return zoneDma32 ? ZoneType.DMA32 : ZoneType.NORMAL;
        }
        if (high && (gfp & __GFP_MOVABLE) != 0) {
            return ZoneType.MOVABLE;
        }
        return ZoneType.NORMAL;
    }
}
