package org.dmasim.mm.buddy;

import static org.dmasim.mm.buddy.Gfp61.GFP_ATOMIC;
import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.dmasim.api.mm.Gfp.__GFP_MEMALLOC;
import static org.dmasim.api.mm.Gfp.__GFP_NOWARN;
import static org.dmasim.api.mm.Gfp.__GFP_ZERO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.api.Test;

/** 6.1 watermark sizing and __zone_watermark_ok() refusals. */
class WatermarkTest {
    @Test
    void sizingFollowsThe61Formulas() {
        BuddyAllocator a = Machines.x86Booted4G();
        Zone dma = a.zone(ZoneType.DMA);
        Zone dma32 = a.zone(ZoneType.DMA32);
        Zone normal = a.zone(ZoneType.NORMAL);
        long lowmem = dma.managed + dma32.managed + normal.managed;
        long kb = lowmem * 4;
        long sqrt = (long) Math.floor(Math.sqrt(kb * 16.0));
        assertEquals(Math.max(128, Math.min(262144, sqrt)), a.minFreeKbytes());
        long pagesMin = a.minFreeKbytes() / 4;
        for (Zone z : new Zone[] {dma, dma32, normal}) {
            long min = pagesMin * z.managed / lowmem;
            long tmp = Math.max(min / 4, z.managed * 10 / 10000);
            assertEquals(min, z.wmarkMin, z.name() + " min");
            assertEquals(min + tmp, z.wmarkLow, z.name() + " low");
            assertEquals(min + 2 * tmp, z.wmarkHigh, z.name() + " high");
        }
        // ZONE_MOVABLE's min is clamp(managed / 1024, SWAP_CLUSTER_MAX, 128) even when empty.
        assertEquals(32, a.zone(ZoneType.MOVABLE).wmarkMin);
        assertEquals(0, a.zone(ZoneType.DEVICE).wmarkMin);
        // lowmem_reserve: DMA 256, DMA32 256, Normal 32 over the managed pages above.
        assertEquals(dma32.managed / 256, dma.lowmemReserve[dma32.index]);
        assertEquals((dma32.managed + normal.managed) / 256, dma.lowmemReserve[normal.index]);
        assertEquals(normal.managed / 256, dma32.lowmemReserve[normal.index]);
        assertEquals(0, normal.lowmemReserve[normal.index]);
        long total = 0;
        for (Zone z : a.zones) {
            long max = 0;
            for (long r : z.lowmemReserve) {
                max = Math.max(max, r);
            }
            total += Math.min(max + z.wmarkHigh, z.managed);
        }
        assertEquals(total, a.totalReservePages());
        assertEquals(total, a.calculateTotalReserves());
    }

    @Test
    void userAndThpMinFreeKbytes() {
        BuddyAllocator fixed = Machines.toyBooted(BuddyOptions.defaults().withMinFreeKbytes(4096));
        assertEquals(4096, fixed.minFreeKbytes());
        BuddyAllocator thp = Machines.toyBooted(BuddyOptions.defaults().withTransparentHugepage(true));
        BuddyAllocator plain = Machines.toyBooted();
        // 3 populated zones: 512*3*2 + 512*3*9 pages, capped at 5% of nr_free_buffer_pages.
        long buffer = 0;
        for (Zone z : plain.zones) {
            if (z.index <= plain.zone(ZoneType.NORMAL).index && z.populated()) {
                buffer += z.managed - z.wmarkHigh;
            }
        }
        long rec = Math.min(512L * 3 * 11, buffer / 20) * 4;
        assertTrue(rec > plain.minFreeKbytes());
        assertNotEquals(plain.minFreeKbytes(), thp.minFreeKbytes());
        assertTrue(Math.abs(rec - thp.minFreeKbytes()) <= 4, "thp " + thp.minFreeKbytes() + " expected ~" + rec);
        plain.setMinFreeKbytes(20000);
        assertEquals(20000, plain.minFreeKbytes());
    }

    @Test
    void exhaustionStopsExactlyAtMinPlusReserveAndAtomicDigsDeeper() {
        BuddyAllocator a = Machines.toyBooted();
        Zone dma = a.zone(ZoneType.DMA);
        Zone dma32 = a.zone(ZoneType.DMA32);
        Zone normal = a.zone(ZoneType.NORMAL);
        int n = normal.index;
        List<Long> got = new ArrayList<>();
        long pfn;
        while ((pfn = a.allocPages(GFP_KERNEL | __GFP_NOWARN, 0)) != PageAllocator.NO_PAGE) {
            got.add(pfn);
            assertFalse(pfn >= Machines.TOY_CMA_START && pfn < Machines.TOY_CMA_END, "GFP_KERNEL got a CMA page");
        }
        a.checkInvariants();
        // The last GFP_KERNEL failure drained every pcp list and retried; a refill that passed
        // its watermark check may take up to batch - 1 pages beyond it (rmqueue_bulk).
        assertEquals(0, a.pcpPages(), "the failing GFP_KERNEL call drained the pcp lists");
        assertFloor(normal.wmarkMin, normal.freePages - normal.freeCma, a.pcpBatch(ZoneType.NORMAL), "Normal min");
        assertEquals(8192, normal.freeCma, "all CMA pages still free");
        assertFloor(dma32.wmarkMin + dma32.lowmemReserve[n], dma32.freePages, a.pcpBatch(ZoneType.DMA32), "DMA32");
        assertFloor(dma.wmarkMin + dma.lowmemReserve[n], dma.freePages, a.pcpBatch(ZoneType.DMA), "DMA");

        // GFP_ATOMIC: min halved (__GFP_HIGH) then cut by a quarter (ALLOC_HARDER).
        while (a.allocPages(GFP_ATOMIC | __GFP_NOWARN, 0) != PageAllocator.NO_PAGE) {
            // keep going
        }
        for (Zone z : new Zone[] {normal, dma32, dma}) {
            long min = z.wmarkMin;
            min -= min / 2;
            min -= min / 4;
            long cma = z == normal ? z.freeCma : 0;
            assertFloor(min + z.lowmemReserve[n], z.freePages - cma, a.pcpBatch(z.type), z.name() + " atomic floor");
        }
        // __GFP_MEMALLOC ignores watermarks altogether.
        long memalloc = a.allocPages(GFP_KERNEL | __GFP_MEMALLOC, 0);
        assertNotEquals(PageAllocator.NO_PAGE, memalloc);
        assertTrue(a.warnings().isEmpty());
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_KERNEL, 2));
        assertEquals(List.of("dmasim: page allocation failure: order:2, mode:0xcc0(GFP_KERNEL), "
            + "nodemask=(null),cpuset=/,mems_allowed=0"), a.warnings());
        a.checkInvariants();
    }

    @Test
    void highOrderNeedsASuitableBlockNotJustFreePages() {
        BuddyAllocator a = Machines.oneSection();
        a.setupPerZoneWmarks();
        List<Long> pages = new ArrayList<>();
        long pfn;
        while ((pfn = a.allocPages(GFP_KERNEL | __GFP_NOWARN | __GFP_MEMALLOC, 0)) != PageAllocator.NO_PAGE) {
            pages.add(pfn);
        }
        assertEquals(32768, pages.size());
        for (long p : pages) {
            if ((p & 1) == 0) {
                a.freePages(p, 0);
            }
        }
        a.drainAllPages();
        Zone normal = a.zone(ZoneType.NORMAL);
        assertEquals(16384, normal.freePages);
        assertTrue(normal.freePages > normal.wmarkLow, "plenty of free pages");
        assertEquals(16384, normal.nrFree[0]);
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_KERNEL | __GFP_NOWARN, 1),
            "no free block of order >= 1 exists: __zone_watermark_ok refuses");
        assertNotEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_KERNEL | __GFP_NOWARN, 0));
        a.checkInvariants();
    }

    @Test
    void maxOrderAndAboveFailWithAWarning() {
        BuddyAllocator a = Machines.oneSection();
        String before = a.dumpState();
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_KERNEL | __GFP_ZERO, 11));
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_KERNEL | __GFP_NOWARN, 11));
        // WARN_ON_ONCE_GFP(order >= MAX_ORDER): a one-time WARNING, not warn_alloc.
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_KERNEL, 12));
        assertEquals(List.of("WARNING: CPU: 0 PID: 0 at mm/page_alloc.c __alloc_pages"), a.warnings());
        assertEquals(before, a.dumpState());
        List<String> sunk = new ArrayList<>();
        BuddyAllocator b = BuddyAllocator.create(Machines.toyZones(), Machines.TOY_MEM,
            BuddyOptions.defaults().withComm("insmod").withWarningSink(sunk::add));
        b.allocPages(GFP_ATOMIC, 12);
        assertEquals(List.of("WARNING: CPU: 0 PID: 0 at mm/page_alloc.c __alloc_pages"), sunk);
        // No memory handed over yet: __GFP_DMA failures stay silent (!has_managed_dma()), others warn.
        b.allocPages(GFP_ATOMIC | org.dmasim.api.mm.Gfp.__GFP_DMA, 0);
        assertEquals(1, sunk.size(), "no managed DMA zone: no warning for __GFP_DMA");
        b.allocPages(GFP_ATOMIC, 0);
        assertEquals("insmod: page allocation failure: order:0, mode:0xa20(GFP_ATOMIC), "
            + "nodemask=(null),cpuset=/,mems_allowed=0", sunk.get(1));
        assertEquals(sunk, b.drainWarnings());
        assertTrue(b.warnings().isEmpty());
    }

    @Test
    void zeroRequestIsRecorded() {
        BuddyAllocator a = Machines.oneSection();
        long z = a.allocPages(GFP_KERNEL | __GFP_ZERO, 2);
        long nz = a.allocPages(GFP_KERNEL, 2);
        assertTrue(a.zeroRequested(z));
        assertFalse(a.zeroRequested(nz));
        a.freePages(z, 2);
        assertFalse(a.zeroRequested(z));
    }

    @Test
    void nothingAllocatesBeforeMemoryArrives() {
        BuddyAllocator a = BuddyAllocator.create(Machines.toyZones(), Machines.TOY_MEM);
        assertEquals(PageAllocator.NO_PAGE, a.allocPages(GFP_KERNEL | __GFP_NOWARN, 0));
        assertEquals(0, a.totalRamPages());
        a.checkInvariants();
    }

    /** rmqueue_bulk may overshoot a watermark by up to batch - 1 pages; never by more. */
    private static void assertFloor(long floor, long free, int batch, String what) {
        assertTrue(free <= floor && free > floor - batch, what + ": free " + free + " should be in (" + (floor - batch)
            + ", " + floor + "]");
    }
}
