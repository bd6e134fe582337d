package org.dmasim.arch.x86;

import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.MemAttr;

/**
 * x86_64's DMA hooks in 6.1 and 6.12: none. The arch selects no ARCH_HAS_SYNC_DMA_* and no
 * ARCH_DMA_MINALIGN, so every device is coherent, coherent buffers are plain linear-map
 * (write-back) memory, {@code arch_dma_prep_coherent} does not exist and
 * {@code dma_get_cache_alignment()} returns 1. Devices snoop the CPU caches: the platform's
 * cache model serves them through its coherent device port, and the sync hooks do nothing.
 */
final class X86Dma implements ArchDma {
    @Override
    public int cacheAlignment() {
        return 1;
    }

    @Override
    public boolean defaultCoherent() {
        return true;
    }

    @Override
    public boolean directRemap() {
        return false;
    }

    @Override
    public MemAttr coherentPgprot(boolean deviceCoherent, long attrs) {
        return MemAttr.NORMAL;
    }

    @Override
    public void prepCoherent(long phys, long size) {
        // Not reachable on x86: dma-direct never remaps here. Nothing to clean either way.
    }

    @Override
    public long prepCoherentBytes() {
        return 0;
    }

    @Override
    public void syncDmaForDevice(long phys, long size, DmaDirection dir) {
        // No ARCH_HAS_SYNC_DMA_FOR_DEVICE: the hook compiles to nothing (devices snoop).
    }

    @Override
    public void syncDmaForCpu(long phys, long size, DmaDirection dir) {
        // No ARCH_HAS_SYNC_DMA_FOR_CPU: the hook compiles to nothing.
    }
}
