package org.dmasim.api.boot;

import org.dmasim.api.mm.ZoneType;

/**
 * What the architecture decides about zones and DMA-reachable memory, published into the boot
 * context by the arch backend once memblock knows the RAM.
 *
 * @param maxZonePfn {@code max_zone_pfn[]} passed to {@code free_area_init()}, by ZoneType ordinal
 *     (0 for zones the kernel does not pass)
 * @param configuredZones which zones exist in this kernel build, by ZoneType ordinal
 * @param zoneDmaBits {@code zone_dma_bits}
 * @param dmaPhysLimit exclusive end of the DMA zone as the arch code uses it
 *     ({@code arm64_dma_phys_limit}; x86 16 MiB)
 * @param contiguousLimit the limit passed to {@code dma_contiguous_reserve()}
 * @param lowAddressLimit {@code ARCH_LOW_ADDRESS_LIMIT}, the inclusive limit memblock_alloc_low uses
 */
public record ZoneLimits(long[] maxZonePfn, boolean[] configuredZones, int zoneDmaBits, long dmaPhysLimit,
    long contiguousLimit, long lowAddressLimit) {

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
