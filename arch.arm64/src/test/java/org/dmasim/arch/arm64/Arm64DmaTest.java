package org.dmasim.arch.arm64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.CacheEviction;
import org.dmasim.api.mem.CacheLine;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.platform.KernelVersion;
import org.junit.jupiter.api.Test;

/**
 * arm64's DMA hooks (6.1 unless a test says 6.12): the lines {@code arch_sync_dma_for_device/cpu} and
 * {@code arch_dma_prep_coherent} hand to the cache, in cache.S's order. (What the platform's
 * cache then does with them is the platform's test.)
 */
class Arm64DmaTest {
    /** Records each maintenance call as "op line-address line-count". */
    static final class RecordingCache implements CpuCache {
        final List<String> ops = new ArrayList<>();

        private void add(String op, long phys, long size) {
            long first = phys & -64L;
            long lines = (phys + size - first + 63) / 64;
            ops.add(String.format("%s %#x %d", op, first, lines));
        }

        @Override
        public int lineSize() {
            return 64;
        }

        @Override
        public void clean(long phys, long size) {
            add("cvac", phys, size);
        }

        @Override
        public void invalidate(long phys, long size) {
            add("ivac", phys, size);
        }

        @Override
        public void cleanInvalidate(long phys, long size) {
            add("civac", phys, size);
        }

        @Override
        public PhysMemory cpu() {
            throw new UnsupportedOperationException();
        }

        @Override
        public PhysMemory uncached() {
            throw new UnsupportedOperationException();
        }

        @Override
        public PhysMemory device(boolean coherent) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PhysMemory ram() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CacheLine line(long phys) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CacheStats stats() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CacheEviction eviction() {
            return CacheEviction.NONE;
        }
    }

    private final RecordingCache cache = new RecordingCache();
    private final Arm64Dma dma = dma("6.1");

    private Arm64Dma dma(String kernel) {
        return new Arm64Dma(Arm64Kernel.of(KernelVersion.parse(kernel)), () -> cache);
    }

    @Test
    void constantsAreThoseOfA61Arm64Kernel() {
        assertEquals(128, dma.cacheAlignment(), "ARCH_DMA_MINALIGN; cache_line_size() only from 6.5");
        assertEquals(128, dma.dmaMinalign());
        Arm64Dma v612 = dma("6.12");
        assertEquals(64, v612.cacheAlignment(), "6.12: cache_line_size(), CTR_EL0.CWG of the CPU");
        assertEquals(128, v612.dmaMinalign(), "ARCH_DMA_MINALIGN is still 128 in 6.12");
        assertFalse(dma.defaultCoherent(), "no OF_DMA_DEFAULT_COHERENT on arm64");
        assertTrue(dma.directRemap());
        assertEquals(MemAttr.NORMAL_NC, dma.coherentPgprot(false, 0));
        assertEquals(MemAttr.NORMAL, dma.coherentPgprot(true, 0));
    }

    @Test
    void syncForDeviceCleansEveryTouchedLineWhateverTheDirection() {
        for (DmaDirection dir : List.of(DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL)) {
            cache.ops.clear();
            dma.syncDmaForDevice(0x40001010L, 0x80, dir);
            assertEquals(List.of("cvac 0x40001000 3"), cache.ops, dir.kernelName());
        }
    }

    @Test
    void syncForCpuDoesNothingForToDevice() {
        dma.syncDmaForCpu(0x40001010L, 0x80, DmaDirection.TO_DEVICE);
        assertEquals(List.of(), cache.ops);
    }

    @Test
    void syncForCpuCleansAndInvalidatesPartialEdgeLinesAndInvalidatesTheRest() {
        // [0x40001010, 0x40001110): end line 0x40001100 partial, start line 0x40001000 partial.
        dma.syncDmaForCpu(0x40001010L, 0x100, DmaDirection.FROM_DEVICE);
        assertEquals(List.of("civac 0x40001100 1", "civac 0x40001000 1", "ivac 0x40001040 3"), cache.ops);
    }

    @Test
    void syncForCpuOfAnAlignedBufferOnlyInvalidates() {
        dma.syncDmaForCpu(0x40001000L, 0x1000, DmaDirection.BIDIRECTIONAL);
        assertEquals(List.of("ivac 0x40001000 1", "ivac 0x40001040 63"), cache.ops);
    }

    @Test
    void syncForCpuInsideOneLineFollowsTheLoopAsWritten() {
        // Aligned start, end inside the same line: civac of that line, then the loop's first ivac of it.
        dma.syncDmaForCpu(0x40001000L, 0x10, DmaDirection.FROM_DEVICE);
        assertEquals(List.of("civac 0x40001000 1", "ivac 0x40001000 1"), cache.ops);
        cache.ops.clear();
        dma.syncDmaForCpu(0x40001008L, 0x10, DmaDirection.FROM_DEVICE);
        assertEquals(List.of("civac 0x40001000 1", "civac 0x40001000 1"), cache.ops);
    }

    @Test
    void prepCoherentCleansAndInvalidatesOn61AndOnlyCleansOn612() {
        dma.prepCoherent(0x40000000L, 8192);
        assertEquals(List.of("civac 0x40000000 128"), cache.ops, "6.1: dcache_clean_inval_poc");
        assertEquals(8192, dma.prepCoherentBytes());
        cache.ops.clear();
        Arm64Dma v612 = dma("6.12");
        v612.prepCoherent(0x40000010L, 0x1000);
        assertEquals(List.of("cvac 0x40000000 65"), cache.ops, "6.12: dcache_clean_poc, from the line holding start");
        assertEquals(0x1000, v612.prepCoherentBytes());
    }

    @Test
    void theCleanLoopTouchesOneLineEvenForAnEmptyRange() {
        dma.syncDmaForDevice(0x40001000L, 0, DmaDirection.TO_DEVICE);
        assertEquals(List.of("cvac 0x40001000 1"), cache.ops, "dcache_by_line_op runs its body once");
    }
}
