package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Frees the DMA-API debug code would flag: each is refused with its message and changes nothing. */
class CoherentMisuseTest {
    private final BootResult boot = Boots.boot("qemu-virt-arm64-testdevs");
    private final DmaApi dma = Boots.dma(boot);
    private final PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
    private final DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
    private CoherentBuffer b;
    private long free;
    private int vmAreas;

    @BeforeEach
    void allocateOne() {
        b = dma.allocCoherent(nc, 8192, Gfp.GFP_KERNEL).orElseThrow();
        free = freeNow(buddy);
        vmAreas = dma.kernelVm().vmAreas().size();
    }

    private void refused(String message, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals("DMA-API: platform dma-test-nc: " + message, e.getMessage());
        assertTrue(boot.log().kernelText().contains(e.getMessage()), "printed to the kernel log too");
        assertEquals(List.of(b), dma.allocations(), "the allocation is still live");
        assertEquals(free, freeNow(buddy));
        assertEquals(vmAreas, dma.kernelVm().vmAreas().size());
    }

    @Test
    void freeingWhatWasNeverAllocated() {
        refused(String.format("device driver tries to free DMA memory it has not allocated"
            + " [device address=0x%016x] [size=8192 bytes]", b.dmaHandle() + 0x10000),
            () -> dma.freeCoherent(nc, 8192, b.cpuAddr(), b.dmaHandle() + 0x10000));
    }

    @Test
    void freeingWithADifferentSize() {
        refused(String.format("device driver frees DMA memory with different size [device address=0x%016x]"
            + " [map size=8192 bytes] [unmap size=4096 bytes]", b.dmaHandle()),
            () -> dma.freeCoherent(nc, 4096, b.cpuAddr(), b.dmaHandle()));
    }

    @Test
    void freeingWithADifferentCpuAddress() {
        long linear = dma.kernelVm().linearAddress(b.phys());
        refused(String.format("device driver frees DMA memory with different CPU address [device address=0x%016x]"
            + " [size=8192 bytes] [cpu alloc address=0x%016x] [cpu free address=0x%016x]", b.dmaHandle(), b.phys(),
            b.phys()), () -> dma.freeCoherent(nc, 8192, linear, b.dmaHandle()));
    }

    @Test
    void freeingACoherentBufferWithDmaFreePages() {
        refused(String.format("device driver frees DMA memory with wrong function [device address=0x%016x]"
            + " [size=8192 bytes] [mapped as coherent] [unmapped as single]", b.dmaHandle()),
            () -> dma.freePages(nc, 8192, b.cpuAddr(), b.dmaHandle()));
    }

    @Test
    void doubleFree() {
        dma.freeCoherent(nc, 8192, b.cpuAddr(), b.dmaHandle());
        long after = freeNow(buddy);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dma.freeCoherent(nc, 8192, b.cpuAddr(), b.dmaHandle()));
        assertTrue(e.getMessage().contains("tries to free DMA memory it has not allocated"), e.getMessage());
        assertEquals(after, freeNow(buddy));
    }

    @Test
    void sizeZeroAndForeignDevicesAreBadInput() {
        assertThrows(IllegalArgumentException.class, () -> dma.allocCoherent(nc, 0, Gfp.GFP_KERNEL));
        DmaApi other = Boots.dma(Boots.boot("qemu-virt-arm64"));
        DmaDevice stranger = other.createDevice(org.dmasim.api.dma.DeviceSpec.platform("stranger", false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dma.allocCoherent(stranger, 4096, Gfp.GFP_KERNEL));
        assertTrue(e.getMessage().contains("not a device of this platform"), e.getMessage());
    }

    @Test
    void declareCoherentMemoryRefusesSystemRamAndASecondRegion() {
        int before = boot.log().kernelText().size();
        assertEquals(-22, dma.declareCoherentMemory(nc, 0x60000000L, 0x60000000L, 1 << 20));
        assertTrue(boot.log().kernelText().subList(before, boot.log().kernelText().size())
            .contains("memremap attempted on ram 0x0000000060000000 size: 0x100000"));
        assertEquals(0, dma.declareCoherentMemory(nc, 0x50000000L, 0x10000000L, 1 << 20),
            "no-map memory is not System RAM");
        CoherentBuffer own = dma.allocCoherent(nc, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(0x50000000L, own.phys());
        assertEquals(0x10000000L, own.dmaHandle(), "declared device address");
        assertEquals(-16, dma.declareCoherentMemory(nc, 0x50100000L, 0x50100000L, 1 << 20));
    }

    /** NR_FREE_PAGES once the per-CPU lists are drained back into the free areas. */
    private static long freeNow(PageAllocator buddy) {
        buddy.drainAllPages();
        return buddy.freePages();
    }
}
