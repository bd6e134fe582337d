package org.dmasim.swiotlb;

import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;

/**
 * {@code rmem_swiotlb_setup} ({@code RESERVEDMEM_OF_DECLARE(dma, "restricted-dma-pool", ...)},
 * CONFIG_DMA_RESTRICTED_POOL): a region that is neither reusable, nor a default CMA or DMA pool,
 * nor no-map becomes a restricted DMA pool: the devices whose {@code memory-region} names it bounce
 * every mapping through it ({@code of_dma_set_restricted_buffer} gives them its
 * {@code dma_io_tlb_mem}). The pool's slots are made when the first device is set up
 * ({@link SwiotlbStatics#restricted}); 64-bit kernels have no highmem, so the kernel's highmem
 * refusal never applies. Debian's 6.1 kernels are built without the option (Kconfig
 * {@code DMA_RESTRICTED_POOL=n}): the region is then not claimed, as no handler exists for it.
 */
final class RestrictedPoolReservedMem implements ReservedMemHandler {
    static final String COMPATIBLE = "restricted-dma-pool";

    @Override
    public String compatible() {
        return COMPATIBLE;
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int init(ReservedMem rmem, BootContext ctx) {
        if (!ctx.spec().kconfig().enabled("DMA_RESTRICTED_POOL") || !ctx.spec().kconfig().enabled("SWIOTLB")) {
            return -Errno.ENOENT;
        }
        if (rmem.node().has("reusable") || rmem.node().has("linux,cma-default")
            || rmem.node().has("linux,dma-default") || rmem.node().has("no-map")) {
            return -Errno.EINVAL;
        }
        SwiotlbStatics.Region region = new SwiotlbStatics.Region(rmem.name(), rmem.base(), rmem.size());
        SwiotlbStatics.of(ctx).addRegion(region);
        rmem.claim(COMPATIBLE, region);
        ctx.log().info(String.format("software IO TLB: Reserved memory: created restricted DMA pool at 0x%016x,"
            + " size %d MiB", rmem.base(), rmem.size() >>> 20));
        return 0;
    }
}
