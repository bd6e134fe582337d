package org.dmasim.mm.buddy;

import static org.dmasim.api.mm.Gfp.GFP_HIGHUSER_MOVABLE;
import static org.dmasim.api.mm.Gfp.GFP_KERNEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.mm.ZoneType;
import org.junit.jupiter.api.Test;

/**
 * A 1 TiB x86_64 server (268 M pages, 8200 sections): construction and boot freeing must leave
 * all but the few sections holding range boundaries implicit. The budget is asserted in bytes;
 * the time is printed, not asserted.
 */
class TerabyteTest {
    static final long TOP = 0x10040000L; // 1 TiB of RAM above 4 GiB plus the 3 GiB below
    static final List<PfnRange> MEM = List.of(new PfnRange(0x1, 0x9f), new PfnRange(0x100, 0xbffe0),
        new PfnRange(0x100000, TOP));

    static BuddyAllocator boot() {
        BuddyAllocator a = BuddyAllocator.create(List.of(Machines.zone(ZoneType.DMA, 0x1, 0x1000, MEM),
            Machines.zone(ZoneType.DMA32, 0x1000, 0x100000, MEM), Machines.zone(ZoneType.NORMAL, 0x100000, TOP, MEM),
            ZoneSpec.empty(ZoneType.MOVABLE), ZoneSpec.empty(ZoneType.DEVICE)), MEM,
            BuddyOptions.defaults().withCmaConfigured(false).withNrCpus(64));
        // Low 1 MiB, the kernel image, the swiotlb buffer and ACPI below 3 GiB, and top-down
        // memblock allocations: 16 GiB of struct pages plus page tables at the end of RAM.
        List<PfnRange> reserved = List.of(new PfnRange(0x0, 0x100), new PfnRange(0x1000, 0x3400),
            new PfnRange(0xbbf00, 0xbff00), new PfnRange(0xbff00, 0xbffe0), new PfnRange(TOP - 0x401000, TOP));
        for (PfnRange r : Machines.freeRanges(MEM, reserved)) {
            a.freeBootMemory(r.startPfn(), r.endPfn());
        }
        a.setupPerZoneWmarks();
        return a;
    }

    @Test
    void bootKeepsTheMemoryMapSparse() {
        long t0 = System.nanoTime();
        BuddyAllocator a = boot();
        long t1 = System.nanoTime();
        System.out.printf("1 TiB boot: %.1f ms, %d of %d sections materialised, %d KiB metadata, "
            + "%d pages managed%n", (t1 - t0) / 1e6, a.materialisedSections(), a.presentSections(),
            a.metadataBytes() / 1024, a.totalRamPages());
        long present = a.zones().stream().mapToLong(z -> z.present).sum();
        assertTrue(present > 268_400_000L && present <= 1L << 28, "present " + present);
        assertTrue(a.totalRamPages() > 264_000_000L, "managed " + a.totalRamPages());
        assertTrue(a.materialisedSections() <= 4, "materialised: " + a.materialisedSections());
        assertTrue(BuddyAllocator.bytesPerMaterialisedPage() <= 16.0,
            "per-page budget: " + BuddyAllocator.bytesPerMaterialisedPage());
        long perSection = (a.metadataBytes() - a.pcpMetadataBytes() - a.materialisedSections() * MemSection.BYTES)
            / a.st.count;
        assertTrue(a.pcpMetadataBytes() <= 512 << 10, "64 CPUs x 3 zones of empty pcp lists: " + a.pcpMetadataBytes());
        assertTrue(perSection <= 32, "implicit sections cost " + perSection + " bytes each");
        assertTrue(a.metadataBytes() <= 4L << 20, "metadata " + a.metadataBytes());
        a.checkInvariants();

        String p = a.pagetypeinfo();
        assertTrue(p.contains("Node    0, zone   Normal, type      Movable      0      0      0      0      0"
            + "      0      0      0      0      0 >100000 \n"), "the kernel stops counting at 100000");
        String b = a.buddyinfo();
        assertTrue(b.endsWith(String.format("%6d \n", a.zone(ZoneType.NORMAL).nrFree[10])), b);
        assertTrue(a.zoneinfo().contains("        managed  "));
    }

    @Test
    void runTimeUseMaterialisesOnlyWhatItTouches() {
        BuddyAllocator a = boot();
        int before = a.materialisedSections();
        long k = a.allocPages(GFP_KERNEL, 0);
        assertEquals(ZoneType.NORMAL, a.zoneOf(k).orElseThrow());
        assertEquals(before + 1, a.materialisedSections());
        List<Long> big = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            big.add(a.allocPages(GFP_HIGHUSER_MOVABLE, 10));
        }
        assertTrue(a.materialisedSections() <= before + 1 + 5000 / 32 + 2);
        for (long pfn : big) {
            a.freePages(pfn, 10);
        }
        a.freePages(k, 0);
        assertTrue(a.materialisedSections() <= before + 2,
            "sections freed back in list order fold up again: " + a.materialisedSections());
        a.checkInvariants();
    }
}
