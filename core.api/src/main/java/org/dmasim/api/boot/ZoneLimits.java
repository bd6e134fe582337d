package org.dmasim.api.boot;

import org.dmasim.api.mm.ZoneType;

/**
 * What the architecture decides about zones and DMA-reachable memory, published into the boot
 * context by the arch backend once memblock knows the RAM.
 *
 * @param maxZonePfn {@code max_zone_pfn[]} passed to {@code free_area_init()}, by ZoneType ordinal
 *     (0 for zones the kernel does not pass)
 * @param configuredZones which zones exist in this kernel build, by ZoneType ordinal
 * @param zoneDmaBits {@code zone_dma_bits} (the kernels that keep a bit count: up to 6.11)
 * @param dmaPhysLimit exclusive end of the DMA zone as the arch code uses it
 *     ({@code arm64_dma_phys_limit}; x86 16 MiB)
 * @param contiguousLimit the limit passed to {@code dma_contiguous_reserve()}
 * @param lowAddressLimit {@code ARCH_LOW_ADDRESS_LIMIT}, the inclusive limit memblock_alloc_low uses
 * @param zoneDmaLimit the highest physical address ZONE_DMA stands for, as dma-direct compares
 *     masks and limits against it: {@code DMA_BIT_MASK(zone_dma_bits)} up to 6.11, the exact
 *     {@code zone_dma_limit} from 6.12 on
 */
public record ZoneLimits(long[] maxZonePfn, boolean[] configuredZones, int zoneDmaBits, long dmaPhysLimit,
    long contiguousLimit, long lowAddressLimit, long zoneDmaLimit) {

    /** A kernel with {@code zone_dma_bits}: the zone's limit is {@code DMA_BIT_MASK(zone_dma_bits)}. */
    public ZoneLimits(long[] maxZonePfn, boolean[] configuredZones, int zoneDmaBits, long dmaPhysLimit,
        long contiguousLimit, long lowAddressLimit) {
        this(maxZonePfn, configuredZones, zoneDmaBits, dmaPhysLimit, contiguousLimit, lowAddressLimit,
            zoneDmaBits >= 64 ? -1L : (1L << zoneDmaBits) - 1);
    }

    public ZoneLimits {
        maxZonePfn = maxZonePfn.clone();
        configuredZones = configuredZones.clone();
    }

    public long maxZonePfn(ZoneType z) {
        return maxZonePfn[z.ordinal()];
    }

    public boolean configured(ZoneType z) {
        return configuredZones[z.ordinal()];
    }

    @Override
    public long[] maxZonePfn() {
        return maxZonePfn.clone();
    }

    @Override
    public boolean[] configuredZones() {
        return configuredZones.clone();
    }
}
