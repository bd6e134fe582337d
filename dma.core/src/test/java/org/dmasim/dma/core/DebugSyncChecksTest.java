package org.dmasim.dma.core;

import static org.dmasim.dma.core.DebugBoot.hex16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mm.Page;
import org.junit.jupiter.api.Test;

/**
 * DMA-API debugging's sync checks ({@code check_sync}, 6.1): the range must lie in one mapping
 * (found walking back from its address one 8 KiB bucket at a time), in the mapping's direction
 * unless it is BIDIRECTIONAL, and the device's read-only and write-only mappings may be synced
 * only the way the data moves. Syncs are executed whatever the report, as Linux executes them.
 */
class DebugSyncChecksTest {
    private static final String COH = "DMA-API: platform dma-test-coh: ";
    private final DebugBoot b = DebugBoot.arm64();
    private final DmaDevice coh = b.dev("dma-test-coh");

    private DmaAddr mapped(long size, DmaDirection dir) {
        int order = Page.getOrder(size);
        DmaAddr a = b.dma.mapPage(coh, Page.pfnDown(b.pages(order)), 0, size, dir, 0);
        assertEquals(0, b.dma.mappingError(coh, a));
        return a;
    }

    @Test
    void aSyncOfMemoryNoMappingHolds() {
        DmaAddr a = mapped(4096, DmaDirection.FROM_DEVICE);
        assertEquals(List.of(COH + "device driver tries to sync DMA memory it has not allocated [device address=0x"
            + hex16(a.value() + 4032) + "] [size=128 bytes]"), b.during(() -> b.dma.syncSingleRangeForCpu(coh, a, 4032,
                128, DmaDirection.FROM_DEVICE)), "a range running past the mapping's end is in no mapping");
    }

    @Test
    void aPartialSyncDeepInsideABigMappingIsFound() {
        DmaAddr a = mapped(64 << 10, DmaDirection.FROM_DEVICE);
        assertEquals(List.of(), b.during(() -> b.dma.syncSingleRangeForCpu(coh, a, 0xc000, 256,
            DmaDirection.FROM_DEVICE)), "found six buckets back");
        assertEquals(0, b.debug.errorCount());
    }

    @Test
    void syncingForTheCpuAMappingTheDeviceOnlyReads() {
        DmaAddr a = mapped(256, DmaDirection.TO_DEVICE);
        assertEquals(List.of(), b.during(() -> b.dma.syncSingleForCpu(coh, a, 64, DmaDirection.TO_DEVICE)),
            "synced as TO_DEVICE: allowed");
        b.debug.write("all_errors", "1");
        String with = "[device address=0x" + hex16(a.value()) + "] [size=256 bytes] [mapped with DMA_TO_DEVICE] [synced"
            + " with DMA_FROM_DEVICE]";
        List<String> out = b.kernelDuring(() -> b.dma.syncSingleForCpu(coh, a, 64, DmaDirection.FROM_DEVICE));
        assertEquals(List.of(COH + "device driver syncs DMA memory with different direction " + with,
            "DMA-API: Mapped at:", COH + "device driver syncs device read-only DMA memory for cpu " + with,
            "DMA-API: Mapped at:"), out);
    }

    @Test
    void syncingForTheDeviceAMappingTheDeviceOnlyWrites() {
        DmaAddr a = mapped(256, DmaDirection.FROM_DEVICE);
        assertEquals(List.of(), b.during(() -> b.dma.syncSingleForDevice(coh, a, 256, DmaDirection.FROM_DEVICE)),
            "synced as FROM_DEVICE: allowed");
        b.debug.write("all_errors", "1");
        String with = "[device address=0x" + hex16(a.value()) + "] [size=256 bytes] [mapped with DMA_FROM_DEVICE] [synced"
            + " with DMA_TO_DEVICE]";
        assertEquals(List.of(COH + "device driver syncs DMA memory with different direction " + with,
            "DMA-API: Mapped at:", COH + "device driver syncs device write-only DMA memory to device " + with,
            "DMA-API: Mapped at:"), b.kernelDuring(() -> b.dma.syncSingleForDevice(coh, a, 256, DmaDirection.TO_DEVICE)));
        assertEquals(2, b.debug.errorCount());
    }

    @Test
    void aBidirectionalMappingSyncsEitherWay() {
        DmaAddr a = mapped(256, DmaDirection.BIDIRECTIONAL);
        assertEquals(List.of(), b.during(() -> {
            b.dma.syncSingleForCpu(coh, a, 256, DmaDirection.TO_DEVICE);
            b.dma.syncSingleForDevice(coh, a, 256, DmaDirection.FROM_DEVICE);
        }));
    }

    @Test
    void syncSgWithAnotherCount() {
        SgTable sg = SgTable.of(new long[] {b.page(), b.page(), b.page()}, new long[] {512, 512, 512});
        assertEquals(3, b.dma.mapSg(coh, sg, 3, DmaDirection.FROM_DEVICE, 0));
        List<String> out = b.kernelDuring(() -> b.dma.syncSgForCpu(coh, sg, 2, DmaDirection.FROM_DEVICE));
        assertEquals(List.of(COH + "device driver syncs DMA sg list with different entry count [map count=3] [sync"
            + " count=2]", "DMA-API: Mapped at:"), out);
        assertEquals(2, b.debug.errorCount(), "two segments synced, two errors");
        assertEquals(List.of(), b.during(() -> b.dma.syncSgForDevice(coh, sg, 3, DmaDirection.FROM_DEVICE)));
    }

    @Test
    void aSyncLargerThanItsMappingNeedsASizeThatWrapsTheSum() {
        // containing_match adds in u64: only a size_t that wraps dev_addr + size finds an entry it exceeds.
        DmaAddr a = mapped(256, DmaDirection.BIDIRECTIONAL);
        long wraps = -a.value();
        assertEquals(List.of(COH + "device driver syncs DMA memory outside allocated range [device address=0x"
            + hex16(a.value()) + "] [allocation size=256 bytes] [sync offset+size=" + Long.toUnsignedString(wraps) + "]",
            "DMA-API: Mapped at:"), b.kernelDuring(() -> b.dma.syncSingleForCpu(coh, a, wraps,
                DmaDirection.BIDIRECTIONAL)));
    }
}
