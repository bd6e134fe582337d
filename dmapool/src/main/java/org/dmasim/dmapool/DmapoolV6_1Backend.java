package org.dmasim.dmapool;

import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dmapool.DmaPoolBackend;
import org.dmasim.api.dmapool.DmaPoolEngine;
import org.dmasim.api.dmapool.DmaPoolHost;
import org.osgi.service.component.annotations.Component;

/**
 * The Linux 6.1 {@code mm/dmapool.c} (per-page offset chains; see {@link PoolV6_1}).
 *
 * <p>{@code dma_pool_create} rules of this version: align 0 means 1, other non-powers of two
 * give NULL; size 0 gives NULL, sizes below 4 become 4 (the chain link is an unsigned int);
 * size is rounded up to align; allocation = max(size, PAGE_SIZE), not rounded to pages;
 * boundary 0 means allocation, a boundary below size or not a power of two gives NULL, and a
 * boundary larger than allocation is kept as is. A NULL device is not checked in 6.1 (the
 * kernel oopses on {@code dev->dma_pools}); the simulator refuses it.
 */
@Component(service = DmaPoolBackend.class, property = DmaPoolBackend.VERSION_PROPERTY + "=" + PoolV6_1.VERSION)
public final class DmapoolV6_1Backend implements DmaPoolBackend {
    @Override
    public String version() {
        return PoolV6_1.VERSION;
    }

    @Override
    public Optional<DmaPoolEngine> create(DmaPoolHost host, String name, DmaDevice dev, long size, long align,
        long boundary) {
        String kname = CreateArgs.kernelName(name);
        if (dev == null) {
            throw new IllegalArgumentException("dma_pool_create " + kname + ": dev is NULL (expected: a device;"
                + " Linux 6.1 would oops dereferencing dev->dma_pools)");
        }
        CreateArgs.checkRange(kname, "size", size);
        CreateArgs.checkRange(kname, "align", align);
        CreateArgs.checkRange(kname, "boundary", boundary);
        if (align == 0) {
            align = 1;
        } else if (!CreateArgs.powerOfTwo(align)) {
            return CreateArgs.rejected(host, kname, "align " + align + " is not a power of two");
        }
        if (size == 0) {
            return CreateArgs.rejected(host, kname, "size is 0");
        } else if (size < 4) {
            size = 4;
        }
        size = CreateArgs.align(size, align);
        CreateArgs.checkRange(kname, "size aligned to " + align, size);
        long allocation = Math.max(size, CreateArgs.PAGE_SIZE);
        if (boundary == 0) {
            boundary = allocation;
        } else if (boundary < size || !CreateArgs.powerOfTwo(boundary)) {
            return CreateArgs.rejected(host, kname, "boundary " + boundary
                + (boundary < size ? " is below the block size " + size : " is not a power of two"));
        }
        BlockLayout layout = BlockLayout.v6_1((int) size, (int) allocation, (int) boundary);
        if (layout.overruns()) {
            int last = layout.offsets[layout.blocks() - 1];
            host.log().dmasim("dma_pool_create " + kname + ": Linux 6.1 places the last block of each chunk at offset "
                + last + ", " + (last + size - allocation) + " bytes past the chunk's end (boundary " + boundary
                + " > allocation " + allocation + ")");
        }
        return Optional.of(new PoolV6_1(host, dev, kname, layout));
    }
}
