package org.dmasim.arch.arm64;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.MemAttr;

/**
 * arm64's DMA hooks (arch/arm64/mm/dma-mapping.c, cache.S, asm/cache.h, asm/pgtable.h) in the
 * platform's kernel ({@link Arm64Kernel}). Devices are non-coherent unless the DT says
 * {@code dma-coherent} (OF_DMA_DEFAULT_COHERENT is not set on arm64); DMA_DIRECT_REMAP is
 * selected, so a non-coherent device's coherent buffer is a vmap alias with
 * {@code pgprot_dmacoherent} = MT_NORMAL_NC; {@code dma_get_cache_alignment()} is the kernel
 * version's ({@link Arm64Kernel#cacheAlignment()}: 6.1 ARCH_DMA_MINALIGN = 128, 6.12 the CPU's
 * cache line, 64), ARCH_DMA_MINALIGN itself 128 in both.
 *
 * <p>Cache maintenance, on the platform's {@link CpuCache} (lines of {@code dcache_line_size},
 * 4 << CTR_EL0.DminLine = 64 bytes), which the platform makes once RAM is known, after this
 * object (so it is looked up at the first hook call):
 * <ul>
 * <li>{@code arch_sync_dma_for_device}: {@code dcache_clean_poc(start, start + size)} for every
 *     direction (6.0 dropped the invalidate for DMA_FROM_DEVICE). Like every
 *     {@code dcache_by_line_op} loop it starts at the line holding {@code start} and runs while
 *     below {@code end}, so it always touches at least one line.</li>
 * <li>{@code arch_sync_dma_for_cpu}: nothing for DMA_TO_DEVICE, else
 *     {@code dcache_inval_poc(start, start + size)}: an end that is not line aligned has its line
 *     cleaned and invalidated ({@code dc civac}) first; then a start that is not line aligned has
 *     its line cleaned and invalidated, an aligned one invalidated ({@code dc ivac}); then every
 *     following line below the (aligned-down) end is invalidated. So bytes that share a line with
 *     the buffer survive, and CPU stores inside the buffer are discarded.</li>
 * <li>{@code arch_dma_prep_coherent}: 6.1 {@code dcache_clean_inval_poc} (the linear map's lines
 *     leave the cache), 6.12 {@code dcache_clean_poc} (they stay cached, clean, and go stale once
 *     the Normal-NC alias is written); see {@link Arm64Kernel#prepCoherentInvalidates()}.</li>
 * </ul>
 */
final class Arm64Dma implements ArchDma {
    private final Arm64Kernel kernel;
    private final Supplier<CpuCache> cacheLookup;
    private volatile CpuCache cache;
    private final AtomicLong prepared = new AtomicLong();

    Arm64Dma(Arm64Kernel kernel, Supplier<CpuCache> cache) {
        this.kernel = kernel;
        this.cacheLookup = cache;
    }

    private CpuCache cache() {
        CpuCache c = cache;
        if (c == null) {
            c = cacheLookup.get();
            cache = c;
        }
        return c;
    }

    @Override
    public int cacheAlignment() {
        return kernel.cacheAlignment();
    }

    @Override
    public int dmaMinalign() {
        return Arm64Kernel.ARCH_DMA_MINALIGN;
    }

    @Override
    public boolean defaultCoherent() {
        return false;
    }

    @Override
    public boolean directRemap() {
        return true;
    }

    @Override
    public MemAttr coherentPgprot(boolean deviceCoherent, long attrs) {
        if (deviceCoherent) {
            return MemAttr.NORMAL;
        }
        // dma_pgprot(): DMA_ATTR_WRITE_COMBINE picks pgprot_writecombine, everything else
        // pgprot_dmacoherent; on arm64 both are MT_NORMAL_NC, so attrs cannot change the answer.
        return MemAttr.NORMAL_NC;
    }

    @Override
    public void prepCoherent(long phys, long size) {
        prepared.addAndGet(size);
        if (kernel.prepCoherentInvalidates()) {
            dcacheCleanInvalPoc(phys, phys + size);
        } else {
            dcacheCleanPoc(phys, phys + size);
        }
    }

    @Override
    public long prepCoherentBytes() {
        return prepared.get();
    }

    @Override
    public void syncDmaForDevice(long phys, long size, DmaDirection dir) {
        dcacheCleanPoc(phys, phys + size);
    }

    @Override
    public void syncDmaForCpu(long phys, long size, DmaDirection dir) {
        if (dir == DmaDirection.TO_DEVICE) {
            return;
        }
        dcacheInvalPoc(phys, phys + size);
    }

    /** {@code dcache_by_line_op cvac}: from the line holding start, while below end (at least one line). */
    private void dcacheCleanPoc(long start, long end) {
        CpuCache c = cache();
        long first = start & -c.lineSize();
        c.clean(first, Math.max(end - first, 1));
    }

    /** {@code dcache_by_line_op civac}: from the line holding start, while below end (at least one line). */
    private void dcacheCleanInvalPoc(long start, long end) {
        CpuCache c = cache();
        long first = start & -c.lineSize();
        c.cleanInvalidate(first, Math.max(end - first, 1));
    }

    /** {@code dcache_inval_poc}, step by step as cache.S runs it. */
    private void dcacheInvalPoc(long start, long end) {
        CpuCache cache = cache();
        long line = cache.lineSize();
        long mask = line - 1;
        if ((end & mask) != 0) {
            end &= ~mask;
            cache.cleanInvalidate(end, line);
        }
        if ((start & mask) != 0) {
            start &= ~mask;
            cache.cleanInvalidate(start, line);
        } else {
            cache.invalidate(start, line);
        }
        long next = start + line;
        if (next < end) {
            cache.invalidate(next, end - next);
        }
    }
}
