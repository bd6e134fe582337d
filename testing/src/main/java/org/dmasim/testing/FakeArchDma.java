package org.dmasim.testing;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dma.ArchDma;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.MemAttr;

/**
 * The arch's DMA hooks as arm64 (non-coherent by default, DMA_DIRECT_REMAP, Normal-NC for
 * non-coherent devices, 128-byte alignment) or x86 (coherent, no remap, write-back) define
 * them; {@link #prepared} records every {@code arch_dma_prep_coherent}, {@link #synced} every
 * {@code arch_sync_dma_for_device/cpu} (no cache behind them: the platform's real hooks act on
 * its CPU cache model).
 */
public final class FakeArchDma implements ArchDma {
    private final boolean arm64;
    public final List<long[]> prepared = new ArrayList<>();
    /** One entry per sync hook call: "for_device" or "for_cpu", paddr, size, direction. */
    public final List<String> synced = new ArrayList<>();

    public FakeArchDma(boolean arm64) {
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

    @Override
    public synchronized void syncForDevice(long paddr, long size, DmaDirection dir) {
        synced.add(String.format("for_device %#x %#x %s", paddr, size, dir.kernelName()));
    }

    @Override
    public synchronized void syncForCpu(long paddr, long size, DmaDirection dir) {
        synced.add(String.format("for_cpu %#x %#x %s", paddr, size, dir.kernelName()));
    }

    @Override
    public int kmallocMinAlign() {
        return arm64 ? 128 : 8;
    }
}
