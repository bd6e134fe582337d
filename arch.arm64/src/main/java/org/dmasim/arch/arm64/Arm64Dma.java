package org.dmasim.arch.arm64;

import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mem.MemAttr;

/**
 * arm64's DMA hooks in 6.1 (arch/arm64/mm/dma-mapping.c, asm/cache.h, asm/pgtable.h).
 * Devices are non-coherent unless the DT says {@code dma-coherent} (OF_DMA_DEFAULT_COHERENT is
 * not set on arm64); DMA_DIRECT_REMAP is selected, so a non-coherent device's coherent buffer is
 * a vmap alias with {@code pgprot_dmacoherent} = MT_NORMAL_NC; {@code dma_get_cache_alignment()}
 * is the kernel version's ({@link Arm64Kernel#cacheAlignment()}: 6.1 ARCH_DMA_MINALIGN = 128,
 * 6.12 the CPU's cache line, 64).
 */
final class Arm64Dma implements ArchDma {
    private final int cacheAlignment;
    private final AtomicLong cleaned = new AtomicLong();

    Arm64Dma(int cacheAlignment) {
        this.cacheAlignment = cacheAlignment;
    }

    @Override
    public int cacheAlignment() {
        return cacheAlignment;
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
        // dcache_clean_poc(start, start + size): with no CPU cache model yet, nothing is dirty;
        // the bytes are counted so tests can see the clean was issued.
        cleaned.addAndGet(size);
    }

    @Override
    public long prepCoherentBytes() {
        return cleaned.get();
    }
}
