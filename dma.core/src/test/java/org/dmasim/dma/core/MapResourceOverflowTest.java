package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.addr.PhysAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * {@code dma_direct_map_resource} of 6.1 with a resource beyond the device's mask: never bounced
 * (a 32-bit device on the two-bank board, where swiotlb is active), DMA_MAPPING_ERROR, and the
 * overflow text through {@code dev_err_once}, so at error level and once, unlike
 * {@code dma_direct_map_page}'s {@code dev_WARN_ONCE} of the same words.
 */
class MapResourceOverflowTest {
    @Test
    void aResourceOutOfReachIsAnErrorOnceAndNeverBounces() {
        BootResult boot = Boots.bootDts("a64-2bank-testdevs.dts");
        DmaApi dma = Boots.dma(boot);
        DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
        SwiotlbPool pool = boot.lookup(SwiotlbPool.class).orElseThrow();
        assertTrue(pool.nslabs() > 0, "swiotlb is active on this board");
        int before = boot.log().lines().size();
        for (int i = 0; i < 2; i++) {
            assertTrue(dma.mapResource(nc, new PhysAddr(0x400000000L), 4096, DmaDirection.TO_DEVICE, 0)
                .isMappingError());
        }
        List<LogLine> lines = boot.log().lines().subList(before, boot.log().lines().size()).stream()
            .filter(LogLine::isKernel).toList();
        assertEquals(List.of(new LogLine(LogLine.Level.ERR, "platform dma-test-nc: DMA addr 0x0000000400000000+4096"
            + " overflow (mask ffffffff, bus limit 0).")), lines);
        assertEquals(0, pool.stats().used());
        assertTrue(dma.mappings().isEmpty());
    }
}
