package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The run-time rows of the 6.12 oracle's table that dma-direct answers, on the board of the
 * run-time observations booted under both kernels: the masks (the same, but for the device
 * behind a {@code dma-ranges} window, whose 31-bit firmware mask 6.12 accepts),
 * {@code dma_get_cache_alignment()} and the atomic pools' sizes.
 */
class Linux612RuntimeTest {
    private static BootResult boot(String kernel) {
        return Boots.boot("qemu-virt-arm64-testdevs", PlatformConfig.KERNEL, kernel);
    }

    @ParameterizedTest(name = "Linux {0}")
    @CsvSource({"6.1, -5, 128", "6.12, 0, 64"})
    void masksAndCacheAlignment(String kernel, int drFirmwareMask, int cacheAlignment) {
        DmaApi dma = Boots.dma(boot(kernel));
        DmaDevice dr = dma.device("dma-test-bus:dma-test-dr").orElseThrow();
        assertEquals(drFirmwareMask, dma.setMask(dr, 0x7fffffffL),
            "dma_set_mask(0x7fffffff) on the device whose window is CPU 0x40000000-0xbfffffff");
        for (String name : List.of("dma-test-nc", "dma-test-coh")) {
            DmaDevice dev = dma.device(name).orElseThrow();
            assertEquals(-5, dma.setMask(dev, (1L << 24) - 1), name + ": 24-bit, -EIO in both kernels");
            assertEquals(-5, dma.setMask(dev, (1L << 30) - 1), name + ": 30-bit, -EIO in both kernels");
            assertEquals(0, dma.setMaskAndCoherent(dev, 0xffffffffL));
            assertEquals(0x1ffffffffL, dma.requiredMask(dev));
        }
        assertEquals(cacheAlignment, dma.cacheAlignment(), "128 = ARCH_DMA_MINALIGN (6.1), 64 = the cache line (6.12)");
    }

    /**
     * {@code dma_addressing_limited}: a device whose one window covers the high bank and as many
     * bits as RAM needs (bus limit 0x7ffffffff = the required mask) but not the low bank. 6.1 only
     * compares masks, calls it unlimited and its mappings unbounded; 6.11+ also walks System RAM
     * against the window, finds the low bank outside it, and bounds its mappings by one swiotlb
     * segment. The same board's devices without dma-ranges answer SIZE_MAX in both.
     */
    @ParameterizedTest(name = "Linux {0}")
    @CsvSource({"6.1, -1", "6.12, 262144"})
    void aWindowThatMissesABankLimitsAddressingFrom611(String kernel, long windowMaxMapping) {
        DmaApi dma = Boots.dma(Boots.bootDts("window-high-bank.dts", PlatformConfig.KERNEL, kernel));
        DmaDevice dev = dma.device("dma-high-bus:dma-high-dev").orElseThrow();
        assertEquals(0, dma.setMask(dev, -1L));
        assertEquals(0x7ffffffffL, dma.requiredMask(dev));
        assertEquals(0x7ffffffffL, dev.busDmaLimit());
        assertEquals(windowMaxMapping, dma.maxMappingSize(dev));
        DmaDevice plain = dma.createDevice(org.dmasim.api.dma.DeviceSpec.platform("plain", false));
        assertEquals(0, dma.setMask(plain, -1L));
        assertEquals(-1L, dma.maxMappingSize(plain), "no range map: all RAM reachable in both kernels");
    }

    @ParameterizedTest(name = "Linux {0}")
    @CsvSource({"6.1", "6.12"})
    void atomicPoolsKeepTheirSizes(String kernel) {
        AtomicPools pools = boot(kernel).lookup(AtomicPools.class).orElseThrow();
        assertEquals(List.of("kernel 524288", "dma 524288", "dma32 524288"),
            pools.pools().stream().map(p -> p.name() + " " + p.size()).toList());
    }
}
