package org.dmasim.atomicpool;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.mem.MemAttr;

/** arm64 (remap, Normal-NC, clean to PoC) or x86 (no remap, write-back) as the pools see them. */
final class FakeArchDma implements ArchDma {
    private final boolean arm64;
    final List<long[]> prepared = new ArrayList<>();

    FakeArchDma(boolean arm64) {
        this.arm64 = arm64;
    }

    @Override
    public int cacheAlignment() {
        return arm64 ? 128 : 1;
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
