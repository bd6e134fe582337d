package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.PhysAddr;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.LogLine;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * The streaming entry points of mapping.c over dma-direct without bouncing: bus addresses,
 * the records that unmaps and syncs find, and the kernel's argument checks and DMA-API debug
 * refusals, each leaving the records as they were.
 */
class StreamingDirectTest {
    private final BootResult boot = Boots.boot("qemu-virt-arm64-testdevs");
    private final DmaApi dma = Boots.dma(boot);
    private final PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
    private final KernelVm vm = dma.kernelVm();
    private final DmaDevice coh = dma.device("dma-test-coh").orElseThrow();
    private final DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
    private final DmaDevice dr = dma.device("dma-test-bus:dma-test-dr").orElseThrow();

    /** A page the page allocator hands out in ZONE_DMA (below 4 GiB), as a driver's kmalloc buffer would sit. */
    private long page() {
        long pfn = buddy.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0);
        assertTrue(pfn >= 0);
        return Page.pfnPhys(pfn);
    }

    private List<String> log() {
        return boot.log().lines().stream().map(LogLine::text).toList();
    }

    @Test
    void mapSingleGivesThePhysicalAddressAndUnmapForgetsIt() {
        long phys = page();
        DmaAddr a = dma.mapSingle(coh, new CpuAddr(vm.linearAddress(phys) + 0x10), 1500, DmaDirection.TO_DEVICE, 0);
        assertEquals(phys + 0x10, a.value(), "no dma-ranges: the bus address is the physical one");
        assertEquals(0, dma.mappingError(coh, a));
        StreamingMapping m = dma.mappings().stream().filter(x -> x.device() == coh).findFirst().orElseThrow();
        assertEquals(StreamingMapping.Kind.SINGLE, m.kind());
        assertEquals("direct", m.ops().name());
        assertEquals(1500, m.size());
        assertTrue(m.backend().isEmpty(), "nothing bounced: no backend instance held");
        dma.unmapSingle(coh, a, 1500, DmaDirection.TO_DEVICE, 0);
        assertTrue(dma.mappings().stream().noneMatch(x -> x.device() == coh));
    }

    @Test
    void aDeviceBehindDmaRangesSeesTheOffsetAddress() {
        long phys = page();
        DmaAddr a = dma.mapPage(dr, Page.pfnDown(phys), 0, 4096, DmaDirection.FROM_DEVICE, 0);
        assertEquals(phys - 0x40000000L, a.value());
        assertEquals(new PhysAddr(phys), dma.deviceAccess(dr, a, 4096), "the bus delivers it back to the page");
        dma.unmapPage(dr, a, 4096, DmaDirection.FROM_DEVICE, 0);
    }

    @Test
    void dmaNoneIsAKernelBugAndNothingIsMapped() {
        long phys = page();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.NONE, 0));
        assertTrue(e.getMessage().contains("BUG_ON(!valid_dma_direction(dir))"), e.getMessage());
        assertTrue(dma.mappings().isEmpty());
        assertThrows(IllegalArgumentException.class,
            () -> dma.syncSingleForCpu(coh, new DmaAddr(phys), 64, DmaDirection.NONE));
    }

    @Test
    void aDeviceWithoutDmaMaskGetsTheWarningOnceAndAnError() {
        ((Device) coh).setDmaMask(0);
        long phys = page();
        assertTrue(dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0).isMappingError());
        assertTrue(dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0).isMappingError());
        assertEquals(1, log().stream().filter(l -> l.contains("(WARN_ON_ONCE(!dev->dma_mask))")).count());
        assertEquals(0, dma.mapSg(coh, SgTable.one(phys, 64), 1, DmaDirection.TO_DEVICE, 0), "dma_map_sg: 0 segments");
        assertTrue(dma.mappings().isEmpty());
    }

    @Test
    void vmallocAddressesAreRejectedAsTheKernelRejectsThem() {
        CoherentBuffer b = dma.allocCoherent(nc, 4096, Gfp.GFP_KERNEL).orElseThrow();
        assertTrue(vm.isVmalloc(b.cpuAddr()));
        assertEquals(DmaAddr.MAPPING_ERROR, dma.mapSingle(nc, new CpuAddr(b.cpuAddr()), 64, DmaDirection.TO_DEVICE, 0));
        assertTrue(log().contains("platform dma-test-nc: rejecting DMA map of vmalloc memory"), log().toString());
        assertEquals(-Errno.ENOMEM, dma.mappingError(nc, DmaAddr.MAPPING_ERROR));
        assertThrows(IllegalArgumentException.class,
            () -> dma.mapSingle(nc, new CpuAddr(0x1234), 64, DmaDirection.TO_DEVICE, 0), "not a kernel address");
    }

    @Test
    void anUnreachableBufferWithoutSwiotlbOverflows() {
        BootResult noTlb = Boots.boot("qemu-virt-arm64-testdevs", "cmdline", "swiotlb=noforce");
        DmaApi api = Boots.dma(noTlb);
        DmaDevice dev = api.device("dma-test-nc").orElseThrow();
        long pfn = noTlb.lookup(PageAllocator.class).orElseThrow().allocPages(Gfp.GFP_KERNEL, 0);
        assertTrue(Page.pfnPhys(pfn) > 0xffffffffL, "ZONE_NORMAL lies above 4 GiB on this board");
        assertTrue(api.mapPage(dev, pfn, 0, 1500, DmaDirection.TO_DEVICE, 0).isMappingError());
        assertTrue(noTlb.log().kernelText().contains(String.format("platform dma-test-nc: DMA addr 0x%016x+1500 overflow"
            + " (mask ffffffff, bus limit 0).", Page.pfnPhys(pfn))), noTlb.log().kernelText().toString());
    }

    @Test
    void withSwiotlbActiveAnUnreachableBufferBounces() {
        long pfn = buddy.allocPages(Gfp.GFP_KERNEL, 0);
        DmaAddr a = dma.mapPage(nc, pfn, 0, 1500, DmaDirection.TO_DEVICE, 0);
        assertEquals(0xf8000000L, a.value(), "the first slot of the pool at 0xf8000000");
        assertEquals("swiotlb#1", dma.mappings().get(0).backend().orElseThrow().id());
        dma.unmapPage(nc, a, 1500, DmaDirection.TO_DEVICE, 0);
    }

    @Test
    void unmapMistakesAreRefusedWithARemarkAndChangeNothing() {
        long phys = page();
        DmaAddr a = dma.mapPage(coh, Page.pfnDown(phys), 0, 256, DmaDirection.BIDIRECTIONAL, 0);
        String p = "platform dma-test-coh: dma_unmap_page_attrs(";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> dma.unmapPage(coh, DmaAddr.MAPPING_ERROR, 256,
            DmaDirection.BIDIRECTIONAL, 0)).getMessage().startsWith(p + "0xffffffffffffffff, 0x100, DMA_BIDIRECTIONAL):"
                + " DMA_MAPPING_ERROR is no mapping"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> dma.unmapPage(coh, a.plus(4096), 256,
            DmaDirection.BIDIRECTIONAL, 0)).getMessage().contains(String.format(": nothing of this device is mapped at"
                + " 0x%x (never mapped, or unmapped already): refused, nothing changed (without DMA-API debugging Linux"
                + " does not notice; it would unmap 256 bytes there all the same", phys + 4096)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> dma.unmapPage(coh, a, 128,
            DmaDirection.BIDIRECTIONAL, 0)).getMessage().contains(String.format(
                ": 0x%x was mapped with 256 bytes, not 128: refused", phys)));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> dma.unmapResource(coh, a, 256,
            DmaDirection.BIDIRECTIONAL, 0)).getMessage().contains(String.format(
                ": 0x%x was mapped as single, not resource: refused", phys)));
        assertEquals(1, dma.mappings().size(), "every refusal left the mapping alone");
        assertTrue(boot.log().lines().stream().noneMatch(l -> l.text().startsWith("DMA-API")),
            "no DMA-API debugging in Debian's kernel: no kernel line");
        assertEquals(4, boot.log().lines().stream().filter(l -> l.level() == LogLine.Level.DMASIM
            && l.text().startsWith("platform dma-test-coh: dma_unmap_")).count(), "each refusal is a dmasim remark");
        dma.unmapPage(coh, a, 256, DmaDirection.BIDIRECTIONAL, 0);
        assertThrows(IllegalArgumentException.class, () -> dma.unmapPage(coh, a, 256, DmaDirection.BIDIRECTIONAL, 0),
            "unmapping twice");
    }

    @Test
    void theSameBufferMappedTwiceIsTwoMappings() {
        long phys = page();
        DmaAddr a = dma.mapPage(coh, Page.pfnDown(phys), 0, 512, DmaDirection.TO_DEVICE, 0);
        DmaAddr b = dma.mapPage(coh, Page.pfnDown(phys), 0, 1024, DmaDirection.TO_DEVICE, 0);
        assertEquals(a, b);
        assertEquals(2, dma.mappings().size());
        dma.unmapPage(coh, b, 1024, DmaDirection.TO_DEVICE, 0);
        dma.unmapPage(coh, a, 512, DmaDirection.TO_DEVICE, 0);
        assertTrue(dma.mappings().isEmpty());
    }

    @Test
    void listsMapEntryByEntryUnmergedAndUnmapWithTheMapsNents() {
        long[] phys = {page(), page() + 0x64, page()};
        SgTable sg = SgTable.of(phys, new long[] {4096, 1000, 2048});
        assertEquals(3, dma.mapSg(coh, sg, 3, DmaDirection.FROM_DEVICE, 0));
        for (int i = 0; i < 3; i++) {
            assertEquals(phys[i], sg.dmaAddress(i));
            assertEquals(sg.length(i), sg.dmaLength(i));
        }
        StreamingMapping m = dma.mappings().get(0);
        assertEquals(StreamingMapping.Kind.SG, m.kind());
        assertEquals(3, m.sgMappedEnts());
        dma.syncSingleForCpu(coh, new DmaAddr(phys[1] + 8), 16, DmaDirection.FROM_DEVICE);
        dma.syncSgForCpu(coh, sg, 3, DmaDirection.FROM_DEVICE);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> dma.unmapSg(coh, sg, 2, DmaDirection.FROM_DEVICE,
            0)).getMessage().contains("dma_unmap_sg_attrs(sg, 2, DMA_FROM_DEVICE): the list was mapped with nents 3,"
                + " not 2: refused, nothing changed"));
        dma.unmapSg(coh, sg, 3, DmaDirection.FROM_DEVICE, 0);
        assertTrue(dma.mappings().isEmpty());

        SgTable t = SgTable.of(new long[] {page(), page()}, new long[] {4096, 4096});
        assertEquals(0, dma.mapSgtable(coh, t, DmaDirection.TO_DEVICE, 0));
        assertEquals(2, t.nents());
        dma.unmapSgtable(coh, t, DmaDirection.TO_DEVICE, 0);
    }

    @Test
    void anEntryThatCannotMapFailsTheListAndLeavesNothingMapped() {
        BootResult noTlb = Boots.boot("qemu-virt-arm64-testdevs", "cmdline", "swiotlb=noforce");
        DmaApi api = Boots.dma(noTlb);
        DmaDevice dev = api.device("dma-test-nc").orElseThrow();
        PageAllocator pages = noTlb.lookup(PageAllocator.class).orElseThrow();
        long low = Page.pfnPhys(pages.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0));
        long high = Page.pfnPhys(pages.allocPages(Gfp.GFP_KERNEL, 0));
        SgTable sg = SgTable.of(new long[] {low, high}, new long[] {4096, 4096});
        assertEquals(0, api.mapSg(dev, sg, 2, DmaDirection.TO_DEVICE, 0));
        assertEquals(-Errno.EIO, api.mapSgtable(dev, sg, DmaDirection.TO_DEVICE, 0), "dma_map_sgtable keeps the errno");
        assertTrue(api.mappings().isEmpty());
    }

    @Test
    void mapResourceDoesNotTranslateAnMmioAddress() {
        // 6.1's dma_direct_map_resource takes the physical address as the bus address.
        DmaAddr a = dma.mapResource(dr, new PhysAddr(0x9000000L), 0x1000, DmaDirection.BIDIRECTIONAL, 0);
        assertEquals(0x9000000L, a.value());
        dma.unmapResource(dr, a, 0x1000, DmaDirection.BIDIRECTIONAL, 0);
    }

    @Test
    void needSyncIsTheDevicesCoherence() {
        long phys = page();
        DmaAddr a = dma.mapPage(nc, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, DmaAttrs.SKIP_CPU_SYNC);
        assertTrue(dma.needSync(nc, a));
        DmaAddr b = dma.mapPage(coh, Page.pfnDown(phys), 0, 64, DmaDirection.TO_DEVICE, 0);
        assertFalse(dma.needSync(coh, b));
    }

    @Test
    void aBusAccessOutsideTheDevicesWindowFaults() {
        BusFault f = assertThrows(BusFault.class, () -> dma.deviceAccess(dr, new DmaAddr(0x80000000L), 16));
        assertTrue(f.getMessage().contains("no memory answers there"), f.getMessage());
        assertEquals("dma-test-bus:dma-test-dr", f.device());
    }
}
