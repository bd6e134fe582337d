package org.dmasim.dmapool;

import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dmapool.DmaPoolBackend;
import org.dmasim.api.dmapool.DmaPoolEngine;
import org.dmasim.api.dmapool.DmaPoolHost;
import org.osgi.service.component.annotations.Component;

/**
 * The Linux 6.4+ {@code mm/dmapool.c} (Keith Busch's rewrite: one free stack per pool; see
 * {@link PoolV6_4}). Unchanged in behaviour through 6.6 and 6.12.
 *
 * <p>{@code dma_pool_create} rules of this version: a NULL device gives NULL; align as in
 * 6.1; size 0 or above INT_MAX gives NULL; sizes below {@code sizeof(struct dma_block)} (16 on
 * 64-bit) become 16; size rounded up to align; allocation = max(size, PAGE_SIZE); boundary 0
 * means allocation, below size or not a power of two gives NULL, and is then capped at
 * allocation.
 */
@Component(service = DmaPoolBackend.class, property = DmaPoolBackend.VERSION_PROPERTY + "=" + PoolV6_4.VERSION)
public final class DmapoolV6_4Backend implements DmaPoolBackend {
    @Override
    public String version() {
        return PoolV6_4.VERSION;
    }

    @Override
    public Optional<DmaPoolEngine> create(DmaPoolHost host, String name, DmaDevice dev, long size, long align,
        long boundary) {
        String kname = CreateArgs.kernelName(name);
        if (dev == null) {
            return CreateArgs.rejected(host, kname, "dev is NULL");
        }
        CreateArgs.checkRange(kname, "align", align);
        CreateArgs.checkRange(kname, "boundary", boundary);
        if (align == 0) {
            align = 1;
        } else if (!CreateArgs.powerOfTwo(align)) {
            return CreateArgs.rejected(host, kname, "align " + align + " is not a power of two");
        }
        if (size == 0 || Long.compareUnsigned(size, Integer.MAX_VALUE) > 0) {
            return CreateArgs.rejected(host, kname, size == 0 ? "size is 0" : "size " + Long.toUnsignedString(size)
                + " is above INT_MAX");
        }
        if (size < PoolV6_4.BLOCK_HEADER) {
            size = PoolV6_4.BLOCK_HEADER;
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
        boundary = Math.min(boundary, allocation);
        BlockLayout layout = BlockLayout.v6_4((int) size, (int) allocation, (int) boundary);
        return Optional.of(new PoolV6_4(host, dev, kname, layout));
    }
}
