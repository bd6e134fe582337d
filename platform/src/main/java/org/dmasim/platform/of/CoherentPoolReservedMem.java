package org.dmasim.platform.of;

import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;

/**
 * {@code rmem_dma_setup} ({@code kernel/dma/coherent.c}): a non-reusable
 * {@code shared-dma-pool} becomes a per-device coherent pool. Linked after the CMA handler,
 * so it sees what CMA refused. (arm64 and x86_64 need no {@code no-map}; that rule is arm32's.)
 */
public final class CoherentPoolReservedMem implements ReservedMemHandler {
    /** Rank after CMA's: kernel/dma/Makefile links contiguous.o before coherent.o. */
    public static final int RANK = 20;

    /** What the region became: a per-device coherent pool awaiting its device. */
    public record CoherentPool(String name, long base, long size) {
    }

    @Override
    public String compatible() {
        return "shared-dma-pool";
    }

    @Override
    public int rank() {
        return RANK;
    }

    @Override
    public int init(ReservedMem rmem, BootContext ctx) {
        if (rmem.node().has("reusable")) {
            return -Errno.EINVAL;
        }
        rmem.claim(compatible(), new CoherentPool(rmem.name(), rmem.base(), rmem.size()));
        ctx.log().info(String.format("Reserved memory: created DMA memory pool at %s, size %d MiB",
            Fmt.pa(rmem.base()), rmem.size() >>> 20));
        return 0;
    }
}
