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
import org.dmasim.api.platform.LogLine;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Frees that do not match what was allocated, on a kernel without DMA-API debugging (Debian's):
 * each is refused with a {@code dmasim:} remark saying what Linux would silently do, and changes
 * nothing. {@code debug.DebugCheckTest} has the same frees with DMA-API debugging on.
 */
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

    private void refused(String problem, String linuxWould, Executable call) {
        int before = boot.log().lines().size();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith("platform dma-test-nc: dma_free_"), e.getMessage());
        assertTrue(e.getMessage().contains(": " + problem + ": refused, nothing changed (without DMA-API debugging Linux"
            + " does not notice; it would " + linuxWould), e.getMessage());
        List<LogLine> printed = boot.log().lines().subList(before, boot.log().lines().size());
        assertEquals(List.of(new LogLine(LogLine.Level.DMASIM, e.getMessage())), printed,
            "one dmasim remark, no kernel line: the kernel checks nothing here");
        assertEquals(List.of(b), dma.allocations(), "the allocation is still live");
        assertEquals(free, freeNow(buddy));
        assertEquals(vmAreas, dma.kernelVm().vmAreas().size());
    }

    @Test
    void freeingWhatWasNeverAllocated() {
        refused(String.format("no buffer of this device was allocated at 0x%x (never, or freed already)",
            b.dmaHandle() + 0x10000), "free the memory behind it all the same",
            () -> dma.freeCoherent(nc, 8192, b.cpuAddr(), b.dmaHandle() + 0x10000));
    }

    @Test
    void freeingWithADifferentSize() {
        refused(String.format("0x%x was mapped with 8192 bytes, not 4096", b.dmaHandle()), "unmap 4096 bytes",
            () -> dma.freeCoherent(nc, 4096, b.cpuAddr(), b.dmaHandle()));
    }

    @Test
    void freeingWithADifferentCpuAddress() {
        long linear = dma.kernelVm().linearAddress(b.phys());
        refused(String.format("the buffer at 0x%x was allocated at CPU address 0x%x, not 0x%x", b.dmaHandle(),
            b.cpuAddr(), linear), "free it through that address", () -> dma.freeCoherent(nc, 8192, linear, b.dmaHandle()));
    }

    @Test
    void freeingACoherentBufferWithDmaFreePages() {
        refused(String.format("0x%x was mapped as coherent, not single", b.dmaHandle()),
            "tear it down with the single code", () -> dma.freePages(nc, 8192, b.cpuAddr(), b.dmaHandle()));
    }

    @Test
    void doubleFree() {
        dma.freeCoherent(nc, 8192, b.cpuAddr(), b.dmaHandle());
        long after = freeNow(buddy);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dma.freeCoherent(nc, 8192, b.cpuAddr(), b.dmaHandle()));
        assertTrue(e.getMessage().contains("no buffer of this device was allocated at"), e.getMessage());
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
