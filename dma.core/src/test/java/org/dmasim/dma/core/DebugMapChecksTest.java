package org.dmasim.dma.core;

import static org.dmasim.dma.core.DebugBoot.hex16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mm.Page;
import org.junit.jupiter.api.Test;

/**
 * DMA-API debugging's checks at map time (6.1): memory from the stack, addresses outside the linear
 * map, scatter-gather segments the device cannot take, and mappings whose first cacheline another
 * live mapping the device may write holds. Each is reported and the mapping is made, as Linux makes
 * it.
 */
class DebugMapChecksTest {
    private static final String COH = "DMA-API: platform dma-test-coh: ";
    private final DebugBoot b = DebugBoot.arm64();
    private final DmaDevice coh = b.dev("dma-test-coh");

    /** Stacks come from anywhere in RAM (above 4 GiB on this board): a device that reaches all of it. */
    private void reachAllRam(DebugBoot on, DmaDevice dev) {
        assertEquals(0, on.dma.setMaskAndCoherent(dev, -1L));
    }

    @Test
    void aStackPageMappedWithDmaMapPage() {
        // VMAP_STACK=y (Debian): the stack is vmalloc memory; dma_map_single refuses it before
        // DMA-API debugging looks, dma_map_page of its page (vmalloc_to_page) is caught by the stack check.
        reachAllRam(b, coh);
        long stack = b.dma.taskStack().value();
        assertTrue(b.vm.isVmalloc(stack));
        assertEquals(stack, b.dma.taskStack().value(), "one stack per task");
        assertTrue(b.dma.mapSingle(coh, new CpuAddr(stack + 0x100), 64, DmaDirection.TO_DEVICE, 0).isMappingError());
        assertEquals(0, b.debug.errorCount());
        long pfn = Page.pfnDown(b.vm.toPhys(stack + 0x1000));
        List<String> out = b.kernelDuring(() -> b.dma.mapPage(coh, pfn, 0x10, 64, DmaDirection.TO_DEVICE, 0));
        assertEquals(List.of(COH + "device driver maps memory from stack [probable addr=" + hex16(stack + 0x1010) + "]"),
            out);
        assertEquals(1, b.dma.mappings().size(), "mapped all the same");
    }

    @Test
    void anotherTasksStackIsNotCurrents() throws InterruptedException {
        reachAllRam(b, coh);
        AtomicLong other = new AtomicLong();
        Thread t = new Thread(() -> other.set(b.dma.taskStack().value()));
        t.start();
        t.join();
        assertEquals(List.of(), b.during(() -> b.dma.mapPage(coh, Page.pfnDown(b.vm.toPhys(other.get())), 0, 64,
            DmaDirection.TO_DEVICE, 0)), "check_for_stack looks at current's stack only");
    }

    @Test
    void aLinearMapStackWithoutVmapStack() {
        DebugBoot lin = DebugBoot.of("qemu-virt-arm64-testdevs", null, "VMAP_STACK=n");
        DmaDevice dev = lin.dev("dma-test-coh");
        reachAllRam(lin, dev);
        long stack = lin.dma.taskStack().value();
        assertTrue(lin.vm.isLinear(stack));
        List<String> out = lin.kernelDuring(() -> lin.dma.mapSingle(dev, new CpuAddr(stack + 0x200), 64,
            DmaDirection.FROM_DEVICE, 0));
        assertEquals(List.of(COH + "device driver maps memory from stack [addr=" + hex16(stack + 0x200) + "]"), out);
    }

    @Test
    void aLinearAddressOfNoMapMemoryIsAnInvalidArea() {
        // The 4 MiB no-map pool at 0x50000000: in the linear map's range, but not memory the kernel maps.
        long kva = b.vm.linearAddress(0x50000000L);
        DmaAddr[] a = new DmaAddr[1];
        List<String> out = b.kernelDuring(() -> a[0] = b.dma.mapSingle(coh, new CpuAddr(kva), 64,
            DmaDirection.TO_DEVICE, 0));
        assertEquals(List.of(COH + "device driver maps memory from invalid area [addr=" + hex16(kva) + "] [len=64]"),
            out);
        assertEquals(0x50000000L, a[0].value(), "virt_to_page finds the page: the map goes on");
    }

    @Test
    void anAddressOutsideEveryMappingIsReportedThenRefused() {
        List<String> out = new ArrayList<>();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> out.addAll(b.during(
            () -> b.dma.mapSingle(coh, new CpuAddr(0xffff7000_0000_1000L), 64, DmaDirection.TO_DEVICE, 0))));
        assertTrue(e.getMessage().contains("is not a linear-map address"), e.getMessage());
        assertTrue(b.boot.log().kernelText().contains(COH + "device driver maps memory from invalid area [addr="
            + hex16(0xffff7000_0000_1000L) + "] [len=64]"));
        assertTrue(b.dma.mappings().isEmpty());
    }

    @Test
    void kernelImageAddressesAreVmallocOnArm64AndNeverReachTheTextCheck() {
        // KIMAGE_VADDR = VMALLOC_START: _etext (+0xd00000 from _text, which is KIMAGE_VADDR + the
        // 64 KiB head's end) starts rodata. dma_map_single rejects it as vmalloc memory; the text/rodata
        // check compares linear-map addresses and cannot see the image's own mapping.
        long rodata = 0xffff800008000000L + 0xd00000L;
        assertTrue(b.vm.isVmalloc(rodata));
        assertTrue(b.dma.mapSingle(coh, new CpuAddr(rodata), 64, DmaDirection.TO_DEVICE, 0).isMappingError());
        assertTrue(b.boot.log().kernelText().contains("platform dma-test-coh: rejecting DMA map of vmalloc memory"));
        assertEquals(0, b.debug.errorCount());
    }

    @Test
    void anSgSegmentLongerThanTheDeviceTakes() {
        long phys = b.pages(5);
        SgTable sg = SgTable.one(phys, 128 << 10);
        assertEquals(List.of(COH + "mapping sg segment longer than device claims to support [len=131072]"
            + " [max=65536]"), b.kernelDuring(() -> assertEquals(1, b.dma.mapSg(coh, sg, 1, DmaDirection.TO_DEVICE,
                0))));
    }

    @Test
    void anSgSegmentAcrossTheSegmentBoundary() {
        assertEquals(0, b.dma.setSegmentBoundary(coh, 0xfff));
        long phys = b.pages(1);
        SgTable sg = SgTable.one(phys + 0x800, 0x1000);
        assertEquals(List.of(COH + "mapping sg segment across boundary [start=0x" + hex16(phys + 0x800) + "] [end=0x"
            + hex16(phys + 0x17ff) + "] [boundary=0x0000000000000fff]"), b.kernelDuring(
                () -> b.dma.mapSg(coh, sg, 1, DmaDirection.TO_DEVICE, 0)));
    }

    @Test
    void withoutDmaApiDebugSgTheSegmentsAreNotChecked() {
        DebugBoot noSg = DebugBoot.of("qemu-virt-arm64-testdevs", null, "DMA_API_DEBUG_SG=n");
        DmaDevice dev = noSg.dev("dma-test-coh");
        SgTable sg = SgTable.one(noSg.pages(5), 128 << 10);
        assertEquals(List.of(), noSg.during(() -> noSg.dma.mapSg(dev, sg, 1, DmaDirection.TO_DEVICE, 0)));
    }

    @Test
    void twoMappingsTheDeviceMayWriteShareTheirFirstCacheline() {
        long pfn = Page.pfnDown(b.page());
        b.dma.mapPage(coh, pfn, 0, 256, DmaDirection.FROM_DEVICE, 0);
        List<String> out = b.kernelDuring(() -> b.dma.mapPage(coh, pfn, 0, 128, DmaDirection.BIDIRECTIONAL, 0));
        assertEquals(List.of(COH + "cacheline tracking EEXIST, overlapping mappings aren't supported",
            "DMA-API: Mapped at:"), out);
    }

    @Test
    void overlapsTheCheckLetsPass() {
        long pfn = Page.pfnDown(b.page());
        b.debug.write("all_errors", "1");
        List<String> out = b.during(() -> {
            b.dma.mapPage(coh, pfn, 0, 256, DmaDirection.TO_DEVICE, 0);
            b.dma.mapPage(coh, pfn, 0, 256, DmaDirection.TO_DEVICE, 0); // the device only reads
            b.dma.mapPage(coh, pfn, 0, 256, DmaDirection.FROM_DEVICE, 0);
            b.dma.mapPage(coh, pfn, 0, 256, DmaDirection.FROM_DEVICE, DmaAttrs.SKIP_CPU_SYNC); // the driver syncs
            b.dma.mapPage(coh, pfn, 64, 64, DmaDirection.FROM_DEVICE, 0); // only first lines are tracked
        });
        assertEquals(List.of(), out);
        assertEquals(0, b.debug.errorCount());
    }

    @Test
    void moreThanSevenOverlapsOfOneCacheline() {
        long pfn = Page.pfnDown(b.page());
        b.debug.write("all_errors", "1");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            out.addAll(b.kernelDuring(() -> b.dma.mapPage(coh, pfn, 0, 64, DmaDirection.FROM_DEVICE, 0)));
        }
        String exceeded = String.format("DMA-API: exceeded 7 overlapping mappings of cacheline 0x%016x", pfn << 6);
        assertEquals(1, out.stream().filter(exceeded::equals).count(), "WARN_ONCE: " + out);
        assertEquals(9, out.stream().filter(l -> l.endsWith("cacheline tracking EEXIST, overlapping mappings aren't"
            + " supported")).count());
        int first = out.indexOf(exceeded);
        assertEquals(7 * 2, first, "the ninth mapping (the eighth overlap) passes the count, before its EEXIST");
        assertFalse(b.boot.log().kernelText().stream().anyMatch(l -> l.contains("cacheline tracking ENOMEM")));
    }
}
