package org.dmasim.dma.core;

import static org.dmasim.dma.core.DebugBoot.hex16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.PhysAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.junit.jupiter.api.Test;

/**
 * DMA-API debugging's unmap and free checks ({@code check_unmap}), each with the message Linux 6.1
 * prints: an unmap that dmasim refuses (it does not match the mapping) is reported first and keeps
 * its entry; one dmasim executes (another direction, a map error never checked) is reported and
 * its entry goes.
 */
class DebugUnmapChecksTest {
    private static final String COH = "DMA-API: platform dma-test-coh: ";
    private final DebugBoot b = DebugBoot.arm64();
    private final DmaDevice coh = b.dev("dma-test-coh");
    private final DmaDevice nc = b.dev("dma-test-nc");

    /** A checked single mapping of 256 bytes at the start of a fresh page. */
    private DmaAddr mapped(DmaDirection dir) {
        DmaAddr a = b.dma.mapPage(coh, Page.pfnDown(b.page()), 0, 256, dir, 0);
        assertEquals(0, b.dma.mappingError(coh, a));
        return a;
    }

    private static void mappedAt(List<String> lines, int at, String call) {
        assertEquals("DMA-API: Mapped at:", lines.get(at), lines.toString());
        assertTrue(lines.get(at + 1).startsWith("dmasim:  " + call + " from org.dmasim.dma.core.DebugUnmapChecksTest."),
            lines.get(at + 1));
    }

    @Test
    void differentSize() {
        DmaAddr a = mapped(DmaDirection.BIDIRECTIONAL);
        List<String> out = b.refused(() -> b.dma.unmapPage(coh, a, 128, DmaDirection.BIDIRECTIONAL, 0));
        assertEquals(COH + "device driver frees DMA memory with different size [device address=0x" + hex16(a.value())
            + "] [map size=256 bytes] [unmap size=128 bytes]", out.get(0));
        mappedAt(out, 1, "dma_map_page_attrs");
        assertTrue(out.get(3).endsWith("refused, nothing changed (Linux would go on to unmap 128 bytes)"), out.get(3));
        assertEquals(1, b.debug.errorCount());
        assertEquals(1, b.dma.mappings().size(), "dmasim kept the mapping, DMA-API debugging its entry");
        assertEquals(1, b.debug.dump().size());
        assertEquals(List.of(), b.during(() -> b.dma.unmapPage(coh, a, 256, DmaDirection.BIDIRECTIONAL, 0)));
        assertEquals(List.of(), b.debug.dump());
    }

    @Test
    void differentDirectionIsReportedAndExecuted() {
        DmaAddr a = mapped(DmaDirection.FROM_DEVICE);
        List<String> out = b.during(() -> b.dma.unmapPage(coh, a, 256, DmaDirection.TO_DEVICE, 0));
        assertEquals(COH + "device driver frees DMA memory with different direction [device address=0x"
            + hex16(a.value()) + "] [size=256 bytes] [mapped with DMA_FROM_DEVICE] [unmapped with DMA_TO_DEVICE]",
            out.get(0));
        mappedAt(out, 1, "dma_map_page_attrs");
        assertEquals(3, out.size(), "no refusal: Linux unmaps with the direction given, and so does dmasim");
        assertTrue(b.dma.mappings().isEmpty());
        assertEquals(List.of(), b.debug.dump());
    }

    @Test
    void wrongFunction() {
        DmaAddr a = mapped(DmaDirection.BIDIRECTIONAL);
        List<String> out = b.refused(() -> b.dma.unmapResource(coh, a, 256, DmaDirection.BIDIRECTIONAL, 0));
        assertEquals(COH + "device driver frees DMA memory with wrong function [device address=0x" + hex16(a.value())
            + "] [size=256 bytes] [mapped as single] [unmapped as resource]", out.get(0));
        mappedAt(out, 1, "dma_map_page_attrs");
    }

    @Test
    void unmappingTwiceFreesMemoryNotAllocated() {
        DmaAddr a = mapped(DmaDirection.TO_DEVICE);
        b.dma.unmapPage(coh, a, 256, DmaDirection.TO_DEVICE, 0);
        List<String> out = b.kernelRefused(() -> b.dma.unmapPage(coh, a, 256, DmaDirection.TO_DEVICE, 0));
        assertEquals(List.of(COH + "device driver tries to free DMA memory it has not allocated [device address=0x"
            + hex16(a.value()) + "] [size=256 bytes]"), out, "no entry, so no Mapped at:");
    }

    @Test
    void unmappingDmaMappingError() {
        assertEquals(List.of(COH + "device driver tries to free an invalid DMA memory address"), b.kernelRefused(
            () -> b.dma.unmapSingle(coh, DmaAddr.MAPPING_ERROR, 64, DmaDirection.TO_DEVICE, 0)));
    }

    @Test
    void freeWithAnotherCpuAddress() {
        CoherentBuffer buf = b.dma.allocCoherent(nc, 8192, Gfp.GFP_KERNEL).orElseThrow();
        List<String> out = b.refused(() -> b.dma.freeCoherent(nc, 8192, buf.cpuAddr() + 0x1000, buf.dmaHandle()));
        assertEquals("DMA-API: platform dma-test-nc: device driver frees DMA memory with different CPU address"
            + " [device address=0x" + hex16(buf.dmaHandle()) + "] [size=8192 bytes] [cpu alloc address=0x"
            + hex16(buf.phys()) + "] [cpu free address=0x" + hex16(buf.phys() + 0x1000) + "]", out.get(0));
        assertEquals("DMA-API: Mapped at:", out.get(1));
        assertTrue(out.get(2).startsWith("dmasim:  dma_alloc_attrs from "), out.get(2));
        assertEquals(List.of(buf), b.dma.allocations());
    }

    @Test
    void freeThroughTheLinearAliasIsRefusedThoughDebuggingSeesTheSamePage() {
        CoherentBuffer buf = b.dma.allocCoherent(nc, 8192, Gfp.GFP_KERNEL).orElseThrow();
        long linear = b.vm.linearAddress(buf.phys());
        List<String> out = b.refused(() -> b.dma.freeCoherent(nc, 8192, linear, buf.dmaHandle()));
        assertEquals(1, out.size(), "check_unmap compares the pages behind the two addresses: the same, so Linux"
            + " says nothing: " + out);
        assertTrue(out.get(0).contains("was allocated at CPU address 0x" + Long.toHexString(buf.cpuAddr())), out.get(0));
        assertEquals(0, b.debug.errorCount());
    }

    @Test
    void unmapSgWithAnotherCount() {
        SgTable sg = SgTable.of(new long[] {b.page(), b.page(), b.page()}, new long[] {4096, 4096, 4096});
        assertEquals(3, b.dma.mapSg(coh, sg, 3, DmaDirection.FROM_DEVICE, 0));
        List<String> out = b.refused(() -> b.dma.unmapSg(coh, sg, 2, DmaDirection.FROM_DEVICE, 0));
        assertEquals(COH + "device driver frees DMA sg list with different entry count [map count=3] [unmap count=2]",
            out.get(0));
        assertEquals("DMA-API: Mapped at:", out.get(1));
        assertTrue(out.get(2).startsWith("dmasim:  dma_map_sg_attrs from "), out.get(2));
        assertEquals(2, b.debug.errorCount(), "each of the two segments unmapped is an error; the first is printed");
        assertEquals(3, b.debug.dump().size());
        b.dma.unmapSg(coh, sg, 3, DmaDirection.FROM_DEVICE, 0);
        assertEquals(2, b.debug.errorCount());
        assertEquals(List.of(), b.debug.dump());
    }

    @Test
    void aMapErrorNeverCheckedIsReportedAtUnmap() {
        DmaAddr a = b.dma.mapPage(coh, Page.pfnDown(b.page()), 0, 256, DmaDirection.TO_DEVICE, 0);
        List<String> out = b.during(() -> b.dma.unmapPage(coh, a, 256, DmaDirection.TO_DEVICE, 0));
        assertEquals(COH + "device driver failed to check map error[device address=0x" + hex16(a.value())
            + "] [size=256 bytes] [mapped as single]", out.get(0));
        mappedAt(out, 1, "dma_map_page_attrs");
        assertTrue(b.dma.mappings().isEmpty());

        DmaAddr r = b.dma.mapResource(coh, new PhysAddr(0x9000000L), 0x1000, DmaDirection.BIDIRECTIONAL, 0);
        b.debug.write("all_errors", "1");
        assertEquals(COH + "device driver failed to check map error[device address=0x0000000009000000] [size=4096"
            + " bytes] [mapped as resource]", b.kernelDuring(() -> b.dma.unmapResource(coh, r, 0x1000,
                DmaDirection.BIDIRECTIONAL, 0)).get(0));
    }

    @Test
    void dmaFreePagesIsAnUncheckedSingleMappingOn61() {
        // 6.1's dma_alloc_pages records its pages with debug_dma_map_page and dma_free_pages checks them
        // with debug_dma_unmap_page: nobody asks dma_mapping_error about them, so every free is reported.
        CoherentBuffer pages = b.dma.allocPages(nc, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals("DMA-API: platform dma-test-nc: device driver failed to check map error[device address=0x"
            + hex16(pages.dmaHandle()) + "] [size=4096 bytes] [mapped as single]", b.kernelDuring(
                () -> b.dma.freePages(nc, 4096, pages.cpuAddr(), pages.dmaHandle())).get(0));
        assertTrue(b.dma.allocations().isEmpty());
    }

    @Test
    void aCoherentBufferFreedAsPagesIsTheWrongFunction() {
        CoherentBuffer buf = b.dma.allocCoherent(nc, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals("DMA-API: platform dma-test-nc: device driver frees DMA memory with wrong function [device"
            + " address=0x" + hex16(buf.dmaHandle()) + "] [size=4096 bytes] [mapped as coherent] [unmapped as single]",
            b.kernelRefused(() -> b.dma.freePages(nc, 4096, buf.cpuAddr(), buf.dmaHandle())).get(0));
    }

    @Test
    void perDevicePoolBuffersAreNotTracked() {
        // dma_alloc_from_dev_coherent() returns before debug_dma_alloc_coherent(), and its release before the free hook.
        DmaDevice pool = b.dev("dma-test-pool");
        CoherentBuffer buf = b.dma.allocCoherent(pool, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(List.of(), b.debug.dump());
        b.dma.freeCoherent(pool, 4096, buf.cpuAddr(), buf.dmaHandle());
        assertEquals(0, b.debug.errorCount());
    }
}
