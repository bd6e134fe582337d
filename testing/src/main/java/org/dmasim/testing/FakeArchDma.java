package org.dmasim.testing;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mem.MemAttr;

/**
 * The arch's DMA hooks as arm64 (non-coherent by default, DMA_DIRECT_REMAP, Normal-NC for
 * non-coherent devices, 128-byte alignment) or x86 (coherent, no remap, write-back) define
 * them; {@link #prepared} records every {@code arch_dma_prep_coherent}.
 */
public final class FakeArchDma implements ArchDma {
    private final boolean arm64;
    public final List<long[]> prepared = new ArrayList<>();

    public FakeArchDma(boolean arm64) {
        this.arm64 = arm64;
    }

    @Override
    public int cacheAlignment() {
        return arm64 ? 128 : 1;
    }

    @Override
    public int dmaMinalign() {
        return arm64 ? 128 : 8;
    }

    @Override
    public boolean defaultCoherent() {
        return !arm64;
    }

    @Override
    public boolean directRemap() {
        return arm64;
    }

    @Override
    public MemAttr coherentPgprot(boolean deviceCoherent, long attrs) {
        return arm64 && !deviceCoherent ? MemAttr.NORMAL_NC : MemAttr.NORMAL;
    }

    @Override
    public synchronized void prepCoherent(long phys, long size) {
        prepared.add(new long[] {phys, size});
    }

    @Override
    public synchronized long prepCoherentBytes() {
        return prepared.stream().mapToLong(p -> p[1]).sum();
    }
}
