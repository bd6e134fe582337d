package org.dmasim.mm.buddy;

import static org.dmasim.api.mm.Gfp.GFP_DMA;
import static org.dmasim.api.mm.Gfp.GFP_DMA32;
import static org.dmasim.api.mm.Gfp.GFP_HIGHUSER_MOVABLE;
import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.dmasim.api.mm.Gfp.__GFP_NOWARN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.dto.ZoneDTO;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.api.Test;

/** gfp_zone(), the zonelist walk Normal → DMA32 → DMA, lowmem reserves and empty zones. */
class ZoneSelectionTest {
    @Test
    void zoneModifiersPickTheHighestAllowedZone() {
        BuddyAllocator a = Machines.x86Booted4G();
        assertEquals(Optional.of(ZoneType.DMA), a.zoneOf(a.allocPages(GFP_KERNEL | GFP_DMA, 0)));
        assertEquals(Optional.of(ZoneType.DMA32), a.zoneOf(a.allocPages(GFP_KERNEL | GFP_DMA32, 0)));
        assertEquals(Optional.of(ZoneType.NORMAL), a.zoneOf(a.allocPages(GFP_KERNEL, 0)));
        // HIGHMEM|MOVABLE asks for ZONE_MOVABLE, which is empty: skipped, Normal serves it.
        assertEquals(Optional.of(ZoneType.NORMAL), a.zoneOf(a.allocPages(GFP_HIGHUSER_MOVABLE, 3)));
        a.checkInvariants();
    }

    @Test
    void invalidZoneCombinationIsRejected() {
        BuddyAllocator a = Machines.x86Booted4G();
        String before = a.dumpState();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> a.allocPages(GFP_KERNEL | GFP_DMA | GFP_DMA32, 0));
        assertTrue(e.getMessage().contains("invalid zone modifier"), e.getMessage());
        assertEquals(before, a.dumpState());
    }

    @Test
    void kernelAllocationsSpillDownTheZonelistRespectingLowmemReserves() {
        BuddyAllocator a = Machines.x86Booted4G();
        Zone normal = a.zone(ZoneType.NORMAL);
        Zone dma32 = a.zone(ZoneType.DMA32);
        Zone dma = a.zone(ZoneType.DMA);
        int normalIdx = normal.index;
        boolean sawDma32 = false;
        boolean sawDma = false;
        long n = 0;
        while (true) {
            long pfn = a.allocPages(GFP_KERNEL | __GFP_NOWARN, 10);
            if (pfn == PageAllocator.NO_PAGE) {
                break;
            }
            n++;
            ZoneType zt = a.zoneOf(pfn).orElseThrow();
            if (zt == ZoneType.DMA32) {
                sawDma32 = true;
                assertTrue(normal.nrFree[10] == 0 || normal.freePages <= normal.wmarkLow + 1024,
                    "DMA32 is used only once Normal cannot serve");
            }
            sawDma |= zt == ZoneType.DMA;
        }
        assertTrue(sawDma32, "GFP_KERNEL must fall back to DMA32");
        assertTrue(n > 900, "order-10 allocations made: " + n);
        // DMA32 must still hold its lowmem reserve against Normal-capable allocations.
        assertTrue(dma32.freePages > dma32.lowmemReserve[normalIdx],
            "DMA32 free " + dma32.freePages + " reserve " + dma32.lowmemReserve[normalIdx]);
        assertTrue(dma.freePages > 0 && !sawDma || dma.lowmemReserve[normalIdx] > dma.freePages,
            "DMA (3840 managed) is protected by a reserve of " + dma.lowmemReserve[normalIdx]);
        a.checkInvariants();
    }

    @Test
    void dma32AllocationsNeverComeFromNormal() {
        BuddyAllocator a = Machines.x86Booted4G();
        for (int i = 0; i < 2000; i++) {
            long pfn = a.allocPages(GFP_DMA32 | __GFP_NOWARN, 8);
            if (pfn == PageAllocator.NO_PAGE) {
                break;
            }
            assertNotEquals(Optional.of(ZoneType.NORMAL), a.zoneOf(pfn));
        }
        long pfn = a.allocPages(GFP_DMA | __GFP_NOWARN, 0);
        assertEquals(Optional.of(ZoneType.DMA), a.zoneOf(pfn));
        a.checkInvariants();
    }

    @Test
    void dmaOnlyAllocationsFailWhenDmaIsExhausted() {
        BuddyAllocator a = Machines.x86Booted4G();
        int got = 0;
        while (a.allocPages(GFP_DMA | __GFP_NOWARN, 0) != PageAllocator.NO_PAGE) {
            got++;
        }
        Zone dma = a.zone(ZoneType.DMA);
        // GFP_DMA's highest zone is DMA itself: no reserve, stops at the min watermark (GFP_DMA
        // cannot reclaim, so nothing drains the pcp list; its last refill may overshoot by < batch).
        int batch = a.pcpBatch(ZoneType.DMA);
        assertTrue(dma.freePages <= dma.wmarkMin && dma.freePages > dma.wmarkMin - batch, "free " + dma.freePages);
        assertEquals(3840 - dma.freePages - a.pcpCount(ZoneType.DMA, 0), got);
        assertTrue(a.warnings().isEmpty(), "__GFP_NOWARN suppresses the failure warning");
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_DMA, 0));
        assertEquals(List.of("dmasim: page allocation failure: order:0, mode:0x1(GFP_DMA), nodemask=(null),"
            + "cpuset=/,mems_allowed=0"), a.warnings());
    }

    @Test
    void zoneListIncludesEveryConfiguredZone() {
        BuddyAllocator a = Machines.x86Booted4G();
        List<ZoneDTO> zs = a.zones();
        assertEquals(List.of("DMA", "DMA32", "Normal", "Movable", "Device"), zs.stream().map(z -> z.name).toList());
        // The oracle's x86-4G-default facts.
        assertEquals(1, zs.get(0).startPfn);
        assertEquals(4095, zs.get(0).spanned);
        assertEquals(3998, zs.get(0).present);
        assertEquals(0x1000, zs.get(1).startPfn);
        assertEquals(1044480, zs.get(1).spanned);
        assertEquals(782304, zs.get(1).present);
        assertEquals(262144, zs.get(2).spanned);
        assertEquals(262144, zs.get(2).present);
        assertEquals(0, zs.get(3).present);
        assertEquals(5, zs.get(0).protection.length);
        assertEquals(a.totalRamPages(), zs.stream().mapToLong(z -> z.managed).sum());
        assertEquals(a.freePages(), zs.stream().mapToLong(z -> z.free).sum());
    }

    @Test
    void withoutDmaZonesTheModifiersMeanNormal() {
        List<PfnRange> mem = List.of(new PfnRange(0x80000, 0x90000));
        BuddyAllocator a = BuddyAllocator.create(List.of(Machines.zone(ZoneType.NORMAL, 0x80000, 0x90000, mem),
            ZoneSpec.empty(ZoneType.MOVABLE)), mem);
        a.freeBootMemory(0x80000, 0x90000);
        assertEquals(Optional.of(ZoneType.NORMAL), a.zoneOf(a.allocPages(Gfp.GFP_DMA, 0)));
        assertEquals(Optional.of(ZoneType.NORMAL), a.zoneOf(a.allocPages(Gfp.GFP_DMA32, 0)));
    }
}
