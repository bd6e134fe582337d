package org.dmasim.dma.core;

import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.boot.ReservedMem;
import org.dmasim.api.boot.ReservedMemHandler;

/**
 * {@code rmem_dma_setup} ({@code kernel/dma/coherent.c}, next to the per-device pool it feeds,
 * {@link DeviceCoherentMem}): a {@code shared-dma-pool} without {@code reusable} becomes a
 * per-device coherent pool. The region is only claimed here; the pool itself is made when the
 * first device whose {@code memory-region} names it is configured ({@code rmem_dma_device_init}
 * in {@link DeviceFactory}). Ranked after CMA's handler, so it sees what CMA refused. arm64 and
 * x86_64 need no {@code no-map} here; that rule is arm32's.
 *
 * <p>dma.core offers it to the boot through {@link DmaCoreBoot}, which registers as both
 * participant and handler: one registration, so a platform never boots with dma.core present
 * but its handler not yet bound.
 */
final class CoherentPoolReservedMem implements ReservedMemHandler {
    /** After CMA's handler (rank 10): kernel/dma/Makefile links contiguous.o before coherent.o. */
    static final int RANK = 20;
    static final String COMPATIBLE = "shared-dma-pool";

    /** What the region became: a per-device coherent pool awaiting its device. */
    record CoherentPool(String name, long base, long size) {
    }

    @Override
    public String compatible() {
        return COMPATIBLE;
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
        rmem.claim(COMPATIBLE, new CoherentPool(rmem.name(), rmem.base(), rmem.size()));
        ctx.log().info(String.format("Reserved memory: created DMA memory pool at 0x%016x, size %d MiB",
            rmem.base(), rmem.size() >>> 20));
        return 0;
    }
}
