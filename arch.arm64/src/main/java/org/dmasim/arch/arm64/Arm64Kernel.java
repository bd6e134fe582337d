package org.dmasim.arch.arm64;

import java.util.Map;
import java.util.Set;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.dt.DmaRanges;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.api.platform.KernelVersion;

/**
 * What arm64's {@code arch/arm64/mm} does differently per kernel version, in one place: one
 * object per version, picked by the platform's kernel ({@link #of}). Adding a kernel is adding a
 * subclass and its entry in {@link #BY_VERSION}.
 *
 * <ul>
 * <li>The DMA zone's limit ({@code zone_sizes_init}). 6.1 rounds the lowest {@code dma-ranges}
 *     CPU limit to a bit count, {@code zone_dma_bits = min(32, fls64(limit))}, and
 *     {@code max_zone_phys()} widens a mask that lies below the start of RAM to 4 GiB (or to all
 *     RAM when RAM starts above 4 GiB). 6.12 keeps the address itself,
 *     {@code zone_dma_limit = min(dt, acpi)}, capped at 4 GiB - 1 when RAM starts below 4 GiB,
 *     and {@code max_zone_phys()} only caps it at the end of RAM: a window that ends below RAM
 *     leaves ZONE_DMA empty.</li>
 * <li>The swiotlb at {@code mem_init()}: 6.1 asks for one only when RAM reaches above the DMA
 *     limit (or {@code swiotlb=force}); 6.12 with CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC always
 *     does, sized 1 MiB per GiB of RAM when only kmalloc bouncing needs it
 *     ({@code swiotlb_adjust_size(min(default, DIV_ROUND_UP(RAM, 1024)))}).</li>
 * <li>{@code dma_get_cache_alignment()}: 6.1 ARCH_DMA_MINALIGN (128); from 6.5 on
 *     {@code cache_line_size()}, the CPU's Cache Writeback Granule (CTR_EL0.CWG: 64 bytes on the
 *     cores QEMU's virt machine and the modelled boards run). ARCH_DMA_MINALIGN itself stays 128
 *     ({@code asm/cache.h}), and 6.12 adds ARCH_KMALLOC_MINALIGN 8 next to it.</li>
 * <li>{@code arch_dma_prep_coherent()} ({@code arch/arm64/mm/dma-mapping.c}): 6.1 cleans and
 *     invalidates the buffer's linear-map lines ({@code dcache_clean_inval_poc}: 6.1-rc1 had
 *     dropped the invalidate, and the revert b7d9aae40484 restored it before 6.1-rc8, for
 *     Qualcomm firmware that faults on a CPU line left in the cache); 6.12 only cleans
 *     ({@code dcache_clean_poc}: 7bd6680b47fa, "Revert "Revert ..."" of early 2023, dropped the
 *     invalidate again), so the lines stay cached, clean, and go stale once the device or the
 *     Normal-NC alias writes the buffer ({@link #prepCoherentInvalidates()}).</li>
 * </ul>
 */
abstract class Arm64Kernel {
    static final long U32_MAX = 0xffffffffL;
    /** ARCH_DMA_MINALIGN ({@code asm/cache.h}, L1_CACHE_BYTES): 128 in every modelled kernel. */
    static final int ARCH_DMA_MINALIGN = 128;

    private static final ByKernel<Arm64Kernel> BY_VERSION = ByKernel.of("arch.arm64",
        Map.of("6.1", new V6_1(), "6.12", new V6_12()));

    static Arm64Kernel of(KernelVersion kernel) {
        return BY_VERSION.get(kernel);
    }

    static Set<KernelVersion> kernels() {
        return BY_VERSION.kernels();
    }

    /**
     * ZONE_DMA's limits from the device tree's lowest {@code dma-ranges} CPU address.
     *
     * @param zoneDmaBits {@code zone_dma_bits} (6.12 has none: the bit length of the limit)
     * @param zoneDmaLimit the highest address dma-direct counts as ZONE_DMA
     * @param physLimit {@code arm64_dma_phys_limit}: the zone's exclusive end
     */
    record DmaZone(int zoneDmaBits, long zoneDmaLimit, long physLimit) {
    }

    /** ZONE_DMA for a tree whose lowest {@code dma-ranges} CPU limit is {@code dtMax} (inclusive). */
    abstract DmaZone dmaZone(Memblock mb, long dtMax);

    /** ZONE_DMA32's exclusive end. */
    abstract long dma32Limit(Memblock mb);

    /**
     * The size {@code mem_init()} hands to {@code swiotlb_adjust_size()}, or 0 when it does not
     * call it.
     *
     * @param addressingLimit RAM reaches above the DMA limit ({@code max_pfn > PFN_DOWN(limit)})
     */
    abstract long swiotlbAdjustSize(Memblock mb, Kconfig kconfig, boolean addressingLimit);

    /** Whether {@code mem_init()} asks for a swiotlb, {@code swiotlb_init(enable, ...)}'s first argument. */
    boolean swiotlbWanted(Kconfig kconfig, boolean addressingLimit) {
        return addressingLimit;
    }

    /** {@code dma_get_cache_alignment()}. */
    abstract int cacheAlignment();

    /**
     * Whether {@code arch_dma_prep_coherent()} invalidates the lines it cleans
     * ({@code dcache_clean_inval_poc}) or only cleans them ({@code dcache_clean_poc}).
     */
    abstract boolean prepCoherentInvalidates();

    /**
     * Linux 6.1: zone_dma_bits, no swiotlb unless RAM is out of reach, 128-byte DMA alignment,
     * clean+invalidate for coherent buffers.
     */
    static final class V6_1 extends Arm64Kernel {
        @Override
        DmaZone dmaZone(Memblock mb, long dtMax) {
            int acpiBits = 64;
            int bits = Math.min(32, Math.min(DmaRanges.fls64(dtMax), acpiBits));
            return new DmaZone(bits, bits >= 64 ? -1L : (1L << bits) - 1, maxZonePhys(mb, bits));
        }

        @Override
        long dma32Limit(Memblock mb) {
            return maxZonePhys(mb, 32);
        }

        /**
         * {@code max_zone_phys(bits)} of 6.1: the mask {@code 2^bits - 1}, widened to all of RAM
         * when RAM starts above 4 GiB and to 4 GiB when it starts above the mask, capped at the
         * end of RAM; exclusive.
         */
        static long maxZonePhys(Memblock mb, int bits) {
            long mask = bits >= 64 ? -1L : (1L << bits) - 1;
            long start = mb.startOfDram();
            if (Long.compareUnsigned(start, U32_MAX) > 0) {
                mask = -1L;
            } else if (Long.compareUnsigned(start, mask) > 0) {
                mask = U32_MAX;
            }
            long lastByte = mb.endOfDram() - 1;
            return (Long.compareUnsigned(mask, lastByte) < 0 ? mask : lastByte) + 1;
        }

        @Override
        long swiotlbAdjustSize(Memblock mb, Kconfig kconfig, boolean addressingLimit) {
            return 0;
        }

        @Override
        int cacheAlignment() {
            return ARCH_DMA_MINALIGN;
        }

        @Override
        boolean prepCoherentInvalidates() {
            return true;
        }
    }

    /**
     * Linux 6.12: zone_dma_limit, a swiotlb for kmalloc bouncing, the CPU's cache line, a clean
     * only for coherent buffers.
     */
    static final class V6_12 extends Arm64Kernel {
        /** CTR_EL0.CWG of a Cortex-A57 (QEMU virt's CPU): 4, so 4 << 4 = 64 bytes. */
        static final int CACHE_WRITEBACK_GRANULE = 64;

        @Override
        DmaZone dmaZone(Memblock mb, long dtMax) {
            long acpiMax = -1L; // no ACPI: acpi_iort_dma_get_max_cpu_address() is PHYS_ADDR_MAX
            long limit = Long.compareUnsigned(dtMax, acpiMax) < 0 ? dtMax : acpiMax;
            // "Keep low RAM DMA zone on platforms that have RAM there."
            if (Long.compareUnsigned(mb.startOfDram(), U32_MAX) < 0 && Long.compareUnsigned(limit, U32_MAX) > 0) {
                limit = U32_MAX;
            }
            return new DmaZone(DmaRanges.fls64(limit), limit, maxZonePhys(mb, limit));
        }

        @Override
        long dma32Limit(Memblock mb) {
            return maxZonePhys(mb, U32_MAX);
        }

        /** {@code max_zone_phys(limit)} of 6.12: the limit capped at the end of RAM; exclusive. */
        static long maxZonePhys(Memblock mb, long limit) {
            long lastByte = mb.endOfDram() - 1;
            return (Long.compareUnsigned(limit, lastByte) < 0 ? limit : lastByte) + 1;
        }

        @Override
        boolean swiotlbWanted(Kconfig kconfig, boolean addressingLimit) {
            return addressingLimit || kconfig.enabled("DMA_BOUNCE_UNALIGNED_KMALLOC");
        }

        /** 1 MiB per GiB of memblock memory, rounded up: {@code DIV_ROUND_UP(memblock_phys_mem_size(), 1024)}. */
        @Override
        long swiotlbAdjustSize(Memblock mb, Kconfig kconfig, boolean addressingLimit) {
            if (addressingLimit || !kconfig.enabled("DMA_BOUNCE_UNALIGNED_KMALLOC")) {
                return 0;
            }
            return (mb.physMemSize() + 1023) / 1024;
        }

        @Override
        int cacheAlignment() {
            return CACHE_WRITEBACK_GRANULE;
        }

        @Override
        boolean prepCoherentInvalidates() {
            return false;
        }
    }
}
