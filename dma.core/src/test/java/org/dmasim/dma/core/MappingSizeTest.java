package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.junit.jupiter.api.Test;

/**
 * dma_max_mapping_size and dma_opt_mapping_size for dma-direct (6.1): swiotlb's 256 KiB when
 * swiotlb is active for the device and the device is addressing-limited or bouncing is forced,
 * SIZE_MAX (-1) otherwise; with no ops of its own, the optimal size is the maximum.
 */
class MappingSizeTest {
    private static final long SWIOTLB_MAX = 2048L * 128;
    private static final long SIZE_MAX = -1L;

    private static DmaDevice nc(DmaApi dma) {
        return dma.device("dma-test-nc").orElseThrow();
    }

    @Test
    void swiotlbForceLimitsEvenA64BitDevice() {
        // The real kernel under swiotlb=force: 262144 with a 64-bit mask.
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs", "cmdline", "swiotlb=force"));
        DmaDevice nc = nc(dma);
        assertEquals(0, dma.setMaskAndCoherent(nc, -1L));
        assertEquals(SWIOTLB_MAX, dma.maxMappingSize(nc));
        assertEquals(SWIOTLB_MAX, dma.optMappingSize(nc));
    }

    @Test
    void withoutForceOnlyAnAddressingLimitedDeviceIsLimited() {
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs"));
        DmaDevice nc = nc(dma);
        assertEquals(SWIOTLB_MAX, dma.maxMappingSize(nc), "32-bit mask on a board with RAM above 4 GiB");
        assertEquals(SWIOTLB_MAX, dma.optMappingSize(nc));
        assertEquals(0, dma.setMaskAndCoherent(nc, -1L));
        assertEquals(SIZE_MAX, dma.maxMappingSize(nc));
        assertEquals(SIZE_MAX, dma.optMappingSize(nc));
        // The bus limit counts too: dma-test-dr's bus window ends at 2 GiB whatever the mask.
        DmaDevice dr = dma.device("dma-test-bus:dma-test-dr").orElseThrow();
        assertEquals(0, dma.setMaskAndCoherent(dr, -1L));
        assertEquals(SWIOTLB_MAX, dma.maxMappingSize(dr));
    }

    @Test
    void noforceLeavesNoBufferAndNoLimit() {
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs", "cmdline", "swiotlb=noforce"));
        assertEquals(SIZE_MAX, dma.maxMappingSize(nc(dma)), "32-bit mask, but is_swiotlb_active() is false");
        assertEquals(false, dma.deviceInfo(nc(dma)).swiotlbActive);
    }

    @Test
    void aBoardWithAllRamInZoneDmaHasNoBufferUnlessForced() {
        // arm64 swiotlb_init(max_pfn > PFN_DOWN(arm64_dma_phys_limit)): names.dts has 1 GiB at
        // 0x40000000 and no dma-ranges, so every page is reachable and no pool is made.
        DmaApi small = Boots.dma(Boots.bootDts("names.dts"));
        DmaDevice d = small.createDevice(DeviceSpec.platform("drv", false));
        assertEquals(false, small.deviceInfo(d).swiotlbActive);
        assertEquals(SIZE_MAX, small.maxMappingSize(d));
        DmaApi forced = Boots.dma(Boots.bootDts("names.dts", "cmdline", "swiotlb=force"));
        DmaDevice f = forced.createDevice(DeviceSpec.platform("drv", false));
        assertEquals(true, forced.deviceInfo(f).swiotlbForceBounce);
        assertEquals(SWIOTLB_MAX, forced.maxMappingSize(f));
        assertEquals(SWIOTLB_MAX, forced.optMappingSize(f));
    }

    @Test
    void x86FollowsTheSameRule() {
        // pc-x86_64 has 1 GiB above 4 GiB: the swiotlb pool stays, a 32-bit device is limited.
        DmaApi dma = Boots.dma(Boots.boot("pc-x86_64"));
        DmaDevice d = dma.createDevice(DeviceSpec.pci("0000:00:03.0"));
        assertEquals(SWIOTLB_MAX, dma.maxMappingSize(d));
        assertEquals(0, dma.setMaskAndCoherent(d, -1L));
        assertEquals(SIZE_MAX, dma.maxMappingSize(d));
        DmaApi forced = Boots.dma(Boots.boot("pc-x86_64", "cmdline", "swiotlb=force"));
        DmaDevice f = forced.createDevice(DeviceSpec.pci("0000:00:03.0"));
        assertEquals(0, forced.setMaskAndCoherent(f, -1L));
        assertEquals(SWIOTLB_MAX, forced.maxMappingSize(f));
    }

    @Test
    void minAlignMaskShortensTheSwiotlbLimit() {
        // swiotlb_max_mapping_size: minus roundup(min_align_mask, IO_TLB_SIZE); NVMe's 4095 -> 252 KiB.
        DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs"));
        DmaDevice nc = nc(dma);
        dma.setMinAlignMask(nc, 4095);
        assertEquals(SWIOTLB_MAX - 4096, dma.maxMappingSize(nc));
        assertEquals(4095, dma.deviceInfo(nc).minAlignMask);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dma.setMinAlignMask(nc, 1L << 32));
        assertEquals("dma_set_min_align_mask: min_align_mask 0x100000000 (expected: 0..0xffffffff, an unsigned int)",
            e.getMessage());
        assertEquals(4095, nc.minAlignMask(), "unchanged");
    }
}
