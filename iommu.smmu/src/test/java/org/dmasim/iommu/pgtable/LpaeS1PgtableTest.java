package org.dmasim.iommu.pgtable;

import static org.dmasim.iommu.pgtable.IommuProt.CACHE;
import static org.dmasim.iommu.pgtable.IommuProt.MMIO;
import static org.dmasim.iommu.pgtable.IommuProt.NOEXEC;
import static org.dmasim.iommu.pgtable.IommuProt.READ;
import static org.dmasim.iommu.pgtable.IommuProt.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.mm.Gfp;
import org.dmasim.testing.FakePageAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LpaeS1PgtableTest {
    private static final long K4 = 1L << 12;
    private static final long M2 = 1L << 21;
    private static final long G1 = 1L << 30;
    private static final long BITMAP = K4 | M2 | G1;
    private static final int RW = READ | WRITE;
    private static final int ATOMIC = LpaeS1Pgtable.GFP_ATOMIC;

    private final FakePageAllocator fake = FakePageAllocator.oneZone(0x40000, 0x80000);
    private final FailingPages pages = new FailingPages(fake);
    private final DescriptorPages mem = new DescriptorPages(pages);
    private final RecordingTlb tlb = new RecordingTlb();
    private final List<String> warns = new ArrayList<>();
    private LpaeS1Pgtable pt;

    private LpaeS1Pgtable table(boolean coherent) {
        pt = LpaeS1Pgtable.alloc(mem, 48, 48, BITMAP, coherent, tlb, warns::add);
        return pt;
    }

    @AfterEach
    void noLeak() {
        if (pt != null) {
            pt.free();
            assertEquals(0, mem.livePages(), "descriptor pages left after free()");
            assertEquals(0, fake.takenPages(), "pages leaked to the page allocator");
        }
    }

    /** The descriptor the walk ends on. */
    private long leafPte(long iova) {
        WalkTrace w = pt.walk(iova);
        assertEquals(WalkTrace.Stop.LEAF, w.stop(), () -> "walk of 0x" + Long.toHexString(iova) + ": " + w);
        return w.steps().get(w.steps().size() - 1).pte();
    }

    // ---- geometry, MAIR, TCR ----

    @Test
    void geometryOfTheSmmuStage1Table() {
        table(true);
        assertEquals(4, pt.levels());
        assertEquals(0, pt.startLevel());
        assertEquals(48, pt.ias());
        assertEquals(48, pt.oas());
        assertEquals(BITMAP, pt.pgsizeBitmap());
        assertEquals(0x40000L << 12, pt.ttbr(), "the pgd is the first page the allocator handed out");
        assertEquals(Gfp.GFP_KERNEL, fake.allocCalls.get(0).gfp());
        assertEquals(0x00000000f404ff44L, pt.mair());
        assertEquals(new Tcr(16, 0, 1, 1, 3, 5), pt.tcr());
        assertEquals(1, pt.tablePages());
    }

    @Test
    void nonCoherentWalkerTcrAndIps() {
        pt = LpaeS1Pgtable.alloc(mem, 48, 44, BITMAP, false, tlb);
        assertEquals(new Tcr(16, 0, 0, 0, 2, 4), pt.tcr());
    }

    @Test
    void allocRestrictsPageSizesAndCapsAddressSizes() {
        long qemu = K4 | (1L << 16) | M2 | (1L << 29) | G1; // 4K, 64K, 2M, 512M, 1G
        pt = LpaeS1Pgtable.alloc(mem, 52, 52, qemu, true, tlb);
        assertEquals(BITMAP, pt.pgsizeBitmap());
        assertEquals(48, pt.ias());
        assertEquals(48, pt.oas());
        assertEquals(5, pt.tcr().ips());
    }

    @Test
    void smallerInputSizesStartLower() {
        LpaeS1Pgtable ias39 = LpaeS1Pgtable.alloc(mem, 39, 40, BITMAP, true, tlb);
        assertEquals(3, ias39.levels());
        assertEquals(1, ias39.startLevel());
        assertEquals(new Tcr(25, 0, 1, 1, 3, 2), ias39.tcr());
        assertEquals(0, ias39.map(0x7f_c000_0000L, 0x4000_0000L, G1, RW, ATOMIC));
        assertEquals(0x4000_0123L, ias39.iovaToPhys(0x7f_c000_0123L));
        assertEquals(1, ias39.walk(0x7f_c000_0000L).steps().size(), "a 1G block in the L1 pgd");
        assertEquals(-LpaeS1Pgtable.ERANGE, ias39.map(1L << 39, 0, K4, RW, ATOMIC));
        ias39.free();

        LpaeS1Pgtable ias40 = LpaeS1Pgtable.alloc(mem, 40, 40, BITMAP, true, tlb);
        assertEquals(4, ias40.levels());
        assertEquals(0, ias40.map((1L << 40) - K4, 0x1000, K4, RW, ATOMIC), "the 2-entry L0 covers 1 TiB");
        assertEquals(0x1000, ias40.iovaToPhys((1L << 40) - K4));
        assertEquals(0, ias40.walk((1L << 40) - K4).steps().get(0).entryPa() & 0xfff ^ 8, "L0 index 1");
        ias40.free();
        assertEquals(0, fake.takenPages());
    }

    @Test
    void allocFailsWhereTheKernelReturnsNull() {
        assertNull(LpaeS1Pgtable.alloc(mem, 48, 37, BITMAP, true, tlb), "no TCR.IPS encoding for 37 bits");
        pages.failAt = 1;
        assertNull(LpaeS1Pgtable.alloc(mem, 48, 48, BITMAP, true, tlb), "no page for the pgd");
        assertEquals(0, fake.takenPages());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> LpaeS1Pgtable.alloc(mem, 48, 48, 1L << 16 | 1L << 29, true, tlb));
        assertTrue(e.getMessage().contains("pgsize_bitmap 0x20010000"), e.getMessage());
    }

    // ---- PTE values (note §1.3) ----

    @Test
    void protToPteWithoutTypeAndAddress() {
        assertEquals(0xf44L, LpaeS1Pgtable.protToPte(CACHE | READ | WRITE));
        assertEquals(0xfc4L, LpaeS1Pgtable.protToPte(CACHE | READ));
        assertEquals(0xe40L, LpaeS1Pgtable.protToPte(WRITE));
        assertEquals(0xe00L, LpaeS1Pgtable.protToPte(READ | WRITE | IommuProt.PRIV), "PRIV drops AP_UNPRIV");
        assertEquals(0x0060000000000e48L, LpaeS1Pgtable.protToPte(WRITE | NOEXEC | MMIO));
        assertEquals(0x0000000000000f48L, LpaeS1Pgtable.protToPte(RW | MMIO | CACHE),
            "MMIO wins the attribute index, CACHE still gives inner shareable");
    }

    @Test
    void workedPteValuesCoherent() {
        table(true);
        long pa = 0x101280000L;
        assertEquals(0, pt.map(0xfffff000L, pa, K4, CACHE | READ | WRITE, ATOMIC));
        assertEquals(0x0000000101280f47L, leafPte(0xfffff000L));
        assertEquals(0, pt.map(0xffffe000L, pa, K4, CACHE | WRITE, ATOMIC), "FROM_DEVICE");
        assertEquals(0x0000000101280f47L, leafPte(0xffffe000L), "stage 1 cannot say write-only");
        assertEquals(0, pt.map(0xffffd000L, pa, K4, CACHE | READ, ATOMIC), "TO_DEVICE");
        assertEquals(0x0000000101280fc7L, leafPte(0xffffd000L));
        assertEquals(0, pt.map(0x8000_0000L, 0x101200000L, M2, CACHE | RW, ATOMIC));
        assertEquals(0x0000000101200f45L, leafPte(0x8000_0000L));
        assertEquals(0, pt.map(0x0800_0000L, 0x8020000L, K4, WRITE | NOEXEC | MMIO, Gfp.GFP_KERNEL));
        assertEquals(0x0060000008020e4bL, leafPte(0x0800_0000L));

        WalkTrace w = pt.walk(0xfffff000L);
        assertEquals(List.of(0, 1, 2, 3), w.steps().stream().map(WalkTrace.Step::level).toList());
        assertEquals(pt.ttbr(), w.steps().get(0).entryPa(), "L0 index 0");
        assertEquals(3, w.steps().get(0).pte() & 0xfff, "table descriptor: PA | 0b11 for a coherent walker");
        assertEquals((w.steps().get(0).pte() & ~0xfffL) + 3 * 8, w.steps().get(1).entryPa(), "L1 index 3");
        assertEquals((w.steps().get(1).pte() & ~0xfffL) + 511 * 8, w.steps().get(2).entryPa(), "L2 index 511");
        assertEquals((w.steps().get(2).pte() & ~0xfffL) + 511 * 8, w.steps().get(3).entryPa(), "L3 index 511");
        assertEquals(0x101280abcL, w.phys() + 0xabc);
    }

    @Test
    void workedPteValuesNonCoherent() {
        table(false);
        long pa = 0x101280000L;
        assertEquals(0, pt.map(0xfffff000L, pa, K4, RW, ATOMIC));
        assertEquals(0x0000000101280e43L, leafPte(0xfffff000L));
        assertEquals(0, pt.map(0xffffe000L, pa, K4, WRITE, ATOMIC));
        assertEquals(0x0000000101280e43L, leafPte(0xffffe000L));
        assertEquals(0, pt.map(0xffffd000L, pa, K4, READ, ATOMIC));
        assertEquals(0x0000000101280ec3L, leafPte(0xffffd000L));
        long l0 = pt.walk(0xfffff000L).steps().get(0).pte();
        assertEquals((1L << 55) | 3, l0 & ~LpaeS1Pgtable.ADDR_MASK, "a non-coherent walker's tables carry SW_SYNC");
        assertEquals(0, leafPte(0xfffff000L) & (1L << 55), "leaves never do");
    }

    // ---- page-size choice ----

    @Test
    void blocksWhereAlignedPagesElsewhere() {
        table(true);
        assertEquals(0, pt.map(0x4000_0000L, 0x1_4000_0000L, G1, RW, ATOMIC));
        assertEquals(List.of("0x000040000000-0x00007fffffff L1 1G -> 0x000140000000 pte 0x0000000140000e41 RW NC"),
            pt.dump(0x4000_0000L, G1));
        assertEquals(0, pt.map(0x8020_0000L, 0x1_0020_0000L, M2, RW, ATOMIC));
        assertEquals(2, pt.walk(0x8020_0000L).steps().size() - 1, "an L2 block");

        // 4 MiB at IOVA = PA = 1 MiB mod 2 MiB: 256 pages, one 2M block, 256 pages
        long iova = 0x1_0010_0000L;
        long pa = 0x2_0010_0000L;
        assertEquals(0, pt.map(iova, pa, 2 * M2, CACHE | RW, ATOMIC));
        List<String> lines = pt.dump(iova, 2 * M2);
        assertEquals(513, lines.size());
        assertTrue(lines.get(0).startsWith("0x000100100000-0x000100100fff L3 4K -> 0x000200100000"), lines.get(0));
        assertTrue(lines.get(255).contains(" L3 4K -> 0x0002001ff000"), lines.get(255));
        assertEquals("0x000100200000-0x0001003fffff L2 2M -> 0x000200200000 pte 0x0000000200200f45 RW WB",
            lines.get(256));
        assertTrue(lines.get(512).startsWith("0x0001004ff000-0x0001004fffff L3 4K -> 0x0002004ff000"), lines.get(512));

        // same IOVA alignment but a PA offset by 4 KiB within the 2M: pages only
        assertEquals(0, pt.map(0x2_0000_0000L, 0x3_0000_1000L, 2 * M2, RW, ATOMIC));
        assertEquals(1024, pt.dump(0x2_0000_0000L, 2 * M2).size());
    }

    @Test
    void pgsizeAndCountFollowIommuPgsize() {
        // 4 MiB at 1 MiB: 4K x 256 up to the 2M boundary, then a 2M block, then 4K x 256
        assertEquals(K4, LpaeS1Pgtable.pgsize(BITMAP, 0x100000, 0x100000, 0x400000));
        assertEquals(256, LpaeS1Pgtable.pgcount(BITMAP, 0x100000, 0x100000, 0x400000, K4));
        assertEquals(M2, LpaeS1Pgtable.pgsize(BITMAP, 0x200000, 0x200000, 0x300000));
        assertEquals(1, LpaeS1Pgtable.pgcount(BITMAP, 0x200000, 0x200000, 0x300000, M2));
        // a bigger page would not fit: all of the rest in small pages
        assertEquals(300, LpaeS1Pgtable.pgcount(BITMAP, 0x100000, 0x100000, 300 * K4, K4));
        // differently offset within 2M: no point stopping at the boundary
        assertEquals(1024, LpaeS1Pgtable.pgcount(BITMAP, 0x100000, 0x101000, 1024 * K4, K4));
        // iova|paddr == 0: only the size limits
        assertEquals(G1, LpaeS1Pgtable.pgsize(BITMAP, 0, 0, 3 * G1));
        assertEquals(3, LpaeS1Pgtable.pgcount(BITMAP, 0, 0, 3 * G1, G1));
    }

    // ---- unmap, splitting, table freeing ----

    @Test
    void fourKibOutOfATwoMibBlockSplitsIt() {
        table(true);
        long iova = 0x4020_0000L;
        long pa = 0x1_0020_0000L;
        assertEquals(0, pt.map(iova, pa, M2, CACHE | READ, ATOMIC));
        long tables = pt.tablePages();
        int allocs = fake.allocCalls.size();
        IotlbGather g = new IotlbGather(false);
        assertEquals(K4, pt.unmap(iova + 5 * K4, K4, g));
        assertEquals(tables + 1, pt.tablePages(), "one new L3 table");
        assertEquals(ATOMIC, fake.allocCalls.get(allocs).gfp(), "split tables come with GFP_ATOMIC");
        assertEquals(List.of("add_page 0x40205000 0x1000"), tlb.log);
        assertEquals(iova + 5 * K4, g.start());
        assertEquals(iova + 6 * K4 - 1, g.end());
        assertEquals(0, pt.iovaToPhys(iova + 5 * K4));
        List<String> lines = pt.dump(iova, M2);
        assertEquals(511, lines.size());
        for (int i = 0; i < 512; i++) {
            if (i != 5) {
                assertEquals(pa + i * K4 | 0xfc7, leafPte(iova + i * K4), "entry " + i + " keeps RO WB IS AF nG");
            }
        }
        assertEquals(3, pt.walk(iova).steps().get(2).pte() & 3, "the block is a table now");
    }

    @Test
    void fourKibOutOfAOneGibBlockSplitsTwoLevels() {
        table(true);
        long iova = 0x40_0000_0000L;
        long pa = 0x1_0000_0000L;
        assertEquals(0, pt.map(iova, pa, G1, CACHE | RW | NOEXEC, ATOMIC));
        long tables = pt.tablePages();
        IotlbGather g = new IotlbGather(true);
        long victim = iova + 3 * M2 + 7 * K4;
        assertEquals(K4, pt.unmap(victim, K4, g));
        assertEquals(tables + 2, pt.tablePages(), "an L2 table and an L3 table");
        assertEquals(List.of(String.format("add_page 0x%x 0x1000", victim)), tlb.log,
            "split entries are gathered even in a flush-queue unmap");
        assertEquals(victim, g.start());
        assertEquals(0, pt.iovaToPhys(victim));
        assertEquals(pa + 3 * M2 + 8 * K4 + 0x10, pt.iovaToPhys(victim + K4 + 0x10));
        long xn = 3L << 53;
        assertEquals(pa + M2 | 0xf45 | xn, leafPte(iova + M2), "L2 blocks keep the attributes, XN included");
        assertEquals(pa + 3 * M2 | 0xf47 | xn, leafPte(iova + 3 * M2), "L3 pages too");
        assertEquals(511 + 511, pt.dump(iova, G1).size());
    }

    @Test
    void twoMibOutOfAOneGibBlockSplitsOneLevel() {
        table(true);
        long iova = 0x40_0000_0000L;
        assertEquals(0, pt.map(iova, 0x1_0000_0000L, G1, RW, ATOMIC));
        IotlbGather g = new IotlbGather(false);
        assertEquals(2 * M2, pt.unmap(iova + 4 * M2, 2 * M2, g));
        assertEquals(List.of("add_page 0x4000800000 0x200000", "add_page 0x4000a00000 0x200000"), tlb.log);
        assertEquals(510, pt.dump(iova, G1).size());
    }

    @Test
    void emptiedTablesStayUntilABlockSizedUnmapCoversThem() {
        table(true);
        long region = 0x8000_0000L;
        for (int i = 0; i < 512; i++) {
            assertEquals(0, pt.map(region + i * K4, 0x1_0000_0000L + i * K4, K4, RW, ATOMIC));
        }
        assertEquals(4, pt.tablePages());
        IotlbGather g = new IotlbGather(false);
        assertEquals(K4, pt.unmap(region, K4, g));
        assertEquals(4, pt.tablePages(), "a leaf unmap only clears the PTE");
        tlb.log.clear();
        // 2M at a 2M-aligned IOVA over the L3 table: entry cleared, walk flushed, table freed
        assertEquals(M2, pt.unmap(region, M2, g));
        assertEquals(List.of("flush_walk 0x80000000 0x200000 0x1000"), tlb.log, "no add_page for the leaves in it");
        assertEquals(3, pt.tablePages());
        assertEquals(0, pt.iovaToPhys(region + 100 * K4));

        // the same with one page mapped: the whole 2M comes back though only 4K was mapped
        assertEquals(0, pt.map(region + 9 * K4, 0x1000_0000L, K4, RW, ATOMIC));
        assertEquals(4, pt.tablePages());
        assertEquals(M2, pt.unmap(region, M2, new IotlbGather(true)));
        assertEquals(3, pt.tablePages(), "freed in a flush-queue unmap too");
        assertEquals(2, tlb.count("flush_walk"));

        // and a 1G unmap over an L2 table frees it and the L3 tables below it
        assertEquals(0, pt.map(region + K4, 0x1000_0000L, K4, RW, ATOMIC));
        assertEquals(0, pt.map(region + 3 * M2, 0x1000_0000L, K4, RW, ATOMIC));
        assertEquals(5, pt.tablePages());
        assertEquals(G1, pt.unmap(region, G1, g));
        assertEquals(2, pt.tablePages());
        assertEquals("flush_walk 0x80000000 0x40000000 0x1000", tlb.log.get(tlb.log.size() - 1));
    }

    @Test
    void aBlockOverAnEmptiedTableFreesTheTable() {
        table(true);
        long region = 0x8000_0000L;
        assertEquals(0, pt.map(region + K4, 0x1000_0000L, K4, RW, ATOMIC));
        pt.unmap(region + K4, K4, new IotlbGather(false));
        assertEquals(4, pt.tablePages());
        tlb.log.clear();
        assertEquals(0, pt.map(region, 0x1_0000_0000L, M2, RW, ATOMIC));
        assertEquals(List.of("flush_walk 0x80000000 0x200000 0x1000"), tlb.log);
        assertEquals(3, pt.tablePages());
        assertEquals(0x1_0000_0000L | 0xe41, leafPte(region));
        assertEquals(-17, pt.map(region + K4, 0x1000_0000L, K4, RW, ATOMIC), "the freed table is not used again");
        assertEquals("WARNING: at drivers/iommu/io-pgtable-arm.c:403 __arm_lpae_map", warns.get(0));
        assertEquals(3, pt.tablePages());
    }

    @Test
    void callersOnDisjointPagesShareTablesSafely() throws Exception {
        table(true);
        int threads = 4;
        int rounds = 3000;
        List<Thread> workers = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int w = 0; w < threads; w++) {
            int id = w;
            workers.add(new Thread(() -> {
                try {
                    for (int r = 0; r < rounds; r++) {
                        // every thread maps its own page in the same fresh 2M regions, racing to
                        // install the L1, L2 and L3 tables; the losers must use the winners'
                        long iova = (1L << 39) + (long) (r % 64) * M2 + id * K4;
                        long pa = 0x1_0000_0000L + id * K4;
                        assertEquals(0, pt.map(iova, pa, K4, RW, ATOMIC));
                        assertEquals(pa, pt.iovaToPhys(iova));
                        assertEquals(K4, pt.unmap(iova, K4, new IotlbGather(true)));
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        workers.forEach(Thread::start);
        for (Thread t : workers) {
            t.join();
        }
        assertEquals(List.of(), failures);
        assertEquals(1 + 1 + 1 + 64, pt.tablePages(), "pgd, one L1, one L2 and one L3 per region");
        assertEquals(pt.tablePages(), fake.takenPages(), "every race loser gave its page back");
    }

    @Test
    void unmappingWhatIsNotMappedReturnsZeroWithTheKernelsWarn() {
        table(true);
        assertEquals(0, pt.unmap(0x1000_0000L, K4, new IotlbGather(false)));
        assertEquals(List.of("WARNING: at drivers/iommu/io-pgtable-arm.c:632 __arm_lpae_unmap"), warns);
        assertEquals(0, pt.map(0x1000_0000L, 0x2000_0000L, 2 * K4, RW, ATOMIC));
        warns.clear();
        IotlbGather g = new IotlbGather(false);
        assertEquals(2 * K4, pt.unmap(0x1000_0000L, 4 * K4, g), "stops at the first hole");
        assertEquals(List.of("WARNING: at drivers/iommu/io-pgtable-arm.c:642 __arm_lpae_unmap",
            "WARNING: at drivers/iommu/io-pgtable-arm.c:632 __arm_lpae_unmap"), warns);
        assertEquals(0, pt.unmap(1L << 48, K4, g));
        assertEquals("WARNING: at drivers/iommu/io-pgtable-arm.c:689 arm_lpae_unmap_pages", warns.get(2));
        assertEquals(0, pt.unmap(0x1000_0800L, K4, g));
        assertEquals("iommu: unaligned: iova 0x10000800 size 0x1000 min_pagesz 0x1000", warns.get(3));
    }

    // ---- map errors leave the table as it was ----

    @Test
    void doubleMapIsEexistAndChangesNothing() {
        table(true);
        assertEquals(0, pt.map(0x1000_2000L, 0x5000_0000L, K4, RW, ATOMIC));
        List<String> before = pt.dump(0, 1L << 48);
        long tables = pt.tablePages();
        assertEquals(-17, pt.map(0x1000_2000L, 0x6000_0000L, K4, READ, ATOMIC));
        assertEquals("WARNING: at drivers/iommu/io-pgtable-arm.c:301 arm_lpae_init_pte", warns.get(0));
        assertEquals(-17, pt.map(0x1000_0000L, 0x6000_0000L, 4 * K4, RW, ATOMIC), "the third of four pages");
        assertEquals(before, pt.dump(0, 1L << 48));
        assertEquals(tables, pt.tablePages());
        assertEquals(0, tlb.count("sync"), "nothing was mapped, so nothing to unwind");

        assertEquals(0, pt.map(0x2000_0000L, 0x5000_0000L, M2, RW, ATOMIC));
        assertEquals(-17, pt.map(0x2000_1000L, 0x6000_0000L, K4, RW, ATOMIC), "a block on the way down");
        assertEquals("WARNING: at drivers/iommu/io-pgtable-arm.c:403 __arm_lpae_map", warns.get(2));
        assertEquals(0x5000_1000L, pt.iovaToPhys(0x2000_1000L));
    }

    @Test
    void badInputIsRefusedWithTheKernelsTextAndNothingAllocated() {
        table(true);
        assertEquals(-22, pt.map(0x1000, 0x800, K4, RW, ATOMIC));
        assertEquals("iommu: unaligned: iova 0x1000 pa 0x0000000000000800 size 0x1000 min_pagesz 0x1000", warns.get(0));
        assertEquals(-LpaeS1Pgtable.ERANGE, pt.map(1L << 48, 0, K4, RW, ATOMIC));
        assertEquals("WARNING: at drivers/iommu/io-pgtable-arm.c:492 arm_lpae_map_pages", warns.get(1));
        assertEquals(-LpaeS1Pgtable.ERANGE, pt.map(0, 1L << 48, K4, RW, ATOMIC));
        assertEquals(-22, pt.map(0x1000, 0x1000, K4, CACHE | NOEXEC, ATOMIC), "no READ, no WRITE");
        assertEquals(1, pt.tablePages());
        assertEquals(1, fake.takenPages());
    }

    @Test
    void aFailedMapUnwindsWhatItMappedAndKeepsItsTables() {
        table(true);
        // the last page of the first 1G takes L1, L2 and L3 tables (allocations 2-4); the next
        // page needs a new L2 (5) and L3 (6): the 6th allocation fails
        pages.failAt = 6;
        long iova = 0x3fff_f000L;
        assertEquals(-12, pt.map(iova, 0x1_3fff_f000L, 2 * K4, RW, Gfp.GFP_KERNEL));
        assertEquals(0, pt.iovaToPhys(iova));
        assertEquals(List.of("add_page 0x3ffff000 0x1000", "sync 0x3ffff000-0x3fffffff 0x1000"), tlb.log);
        assertEquals(5, pt.tablePages(), "pgd, L1, two L2s, one L3: allocated tables stay");
        assertTrue(pt.dump(0, 1L << 48).isEmpty());
        pages.failAt = -1;
        assertEquals(0, pt.map(iova, 0x1_3fff_f000L, 2 * K4, RW, Gfp.GFP_KERNEL));
        assertEquals(6, pt.tablePages());
    }

    @Test
    void aFailedLongMapUnwindsAcrossTables() {
        table(true);
        pages.failAt = 6; // pgd 1, L1 2, L2 3, L3s 4 and 5; the third L3 fails
        long iova = 0x1000_0000L - 300 * K4;
        assertEquals(-12, pt.map(iova, 0x2_0000_1000L, 1000 * K4, RW, ATOMIC), "300 + 512 pages were mapped");
        assertTrue(pt.dump(0, 1L << 48).isEmpty(), "every page mapped before the failure is unmapped");
        // the unwinding iommu_unmap chops by IOVA alone: 300 pages, then one 2M step over the
        // second L3 table, which clears the table pointer and frees the table
        assertEquals(300, tlb.count("add_page"));
        assertEquals(List.of("flush_walk 0x10000000 0x200000 0x1000",
            String.format("sync 0x%x-0x%x 0x1000", iova, iova + 300 * K4 - 1)), tlb.log.subList(300, 302));
        assertEquals(4, pt.tablePages());
    }

    // ---- gathers ----

    @Test
    void strictGathersOfOneThreeAndThirtyThreePages() {
        table(true);
        long iova = 0x1000_0000L - 16 * K4; // 33 pages cross an L3 table boundary
        for (int n : new int[] {1, 3, 33}) {
            assertEquals(0, pt.map(iova, 0x3000_0000L, n * K4, RW, ATOMIC));
            IotlbGather g = new IotlbGather(false);
            tlb.log.clear();
            assertEquals(n * K4, pt.unmap(iova, n * K4, g));
            assertEquals(n, tlb.count("add_page"));
            assertEquals(0, tlb.count("sync"), "adjacent pages of one size never sync early");
            assertEquals(iova, g.start());
            assertEquals(iova + n * K4 - 1, g.end());
            assertEquals(K4, g.pgsize());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aPageInTheLastTouchedTableMapsAndUnmapsAsTheWalkDoes(boolean coherent) {
        table(coherent);
        for (int prot = 0; prot < 64; prot++) {
            long region = G1 + prot * M2;
            long pa = 0x2_0000_0000L + prot * M2;
            int p = prot;
            // the first page of a region walks from the pgd; the next ones are in the table it ended in
            int first = pt.map(region, pa, K4, prot, ATOMIC);
            int second = pt.map(region + K4, pa + K4, K4, prot, ATOMIC);
            if ((prot & RW) == 0) {
                assertEquals(-22, first, () -> "prot 0x" + Integer.toHexString(p));
                assertEquals(-22, second, "no READ, no WRITE, in the hot table too");
                assertEquals(0, pt.iovaToPhys(region + K4));
                continue;
            }
            assertEquals(0, first);
            assertEquals(0, second);
            long walked = leafPte(region);
            assertEquals(LpaeS1Pgtable.protToPte(prot) | 3 | pa, walked);
            assertEquals(walked + K4, leafPte(region + K4), () -> "prot 0x" + Integer.toHexString(p));

            tlb.log.clear();
            IotlbGather g = new IotlbGather(false);
            assertEquals(K4, pt.unmap(region + K4, K4, g));
            assertEquals(K4, pt.unmap(region, K4, g));
            assertEquals(List.of(String.format("add_page 0x%x 0x1000", region + K4),
                String.format("add_page 0x%x 0x1000", region)), tlb.log);
            assertEquals(region, g.start());
            assertEquals(region + 2 * K4 - 1, g.end());
            assertEquals(0, pt.iovaToPhys(region + K4));

            IotlbGather lazy = new IotlbGather(true);
            assertEquals(0, pt.map(region + K4, pa, K4, prot, ATOMIC));
            assertEquals(K4, pt.unmap(region + K4, K4, lazy));
            assertEquals(2, tlb.log.size(), "a queued gather takes no leaves");
            assertEquals(0, lazy.pgsize());
            assertTrue(warns.isEmpty(), warns::toString);
        }
        // a hole in the hot table is the walk's hole: its WARN, nothing unmapped
        assertEquals(0, pt.unmap(G1 + 63 * M2 + 2 * K4, K4, new IotlbGather(false)));
        assertEquals(List.of("WARNING: at drivers/iommu/io-pgtable-arm.c:632 __arm_lpae_unmap"), warns);
        assertEquals(1 + 1 + 1 + 48, pt.tablePages(), "pgd, L1, L2, an L3 per region that got a page");
    }

    @Test
    void aLazyUnmapGathersNoLeaves() {
        table(true);
        assertEquals(0, pt.map(0x1000_0000L, 0x3000_0000L, 33 * K4, RW, ATOMIC));
        IotlbGather g = new IotlbGather(true);
        assertEquals(33 * K4, pt.unmap(0x1000_0000L, 33 * K4, g));
        assertTrue(tlb.log.isEmpty(), tlb.log.toString());
        assertEquals(0, g.pgsize());
        assertEquals(0, pt.iovaToPhys(0x1000_0000L));
    }

    @Test
    void aPageSizeChangeSyncsTheGatherFirst() {
        table(true);
        assertEquals(0, pt.map(0x1ff000, 0x1ff000, K4 + M2, RW, ATOMIC));
        IotlbGather g = new IotlbGather(false);
        assertEquals(K4 + M2, pt.unmap(0x1ff000, K4 + M2, g));
        assertEquals(List.of("add_page 0x1ff000 0x1000", "sync 0x1ff000-0x1fffff 0x1000", "add_page 0x200000 0x200000"),
            tlb.log);
        assertEquals(M2, g.pgsize());
    }

    // ---- translation ----

    @Test
    void iovaToPhysAddsTheOffsetInTheLeaf() {
        table(true);
        assertEquals(0, pt.map(0x5000, 0x1_2345_6000L, K4, RW, ATOMIC));
        assertEquals(0, pt.map(0x60_0000L, 0x8_0060_0000L, M2, RW, ATOMIC));
        assertEquals(0, pt.map(0x80_4000_0000L, 0x40_c000_0000L, G1, RW, ATOMIC));
        assertEquals(0x1_2345_6abcL, pt.iovaToPhys(0x5abc));
        assertEquals(0x8_007f_fff8L, pt.iovaToPhys(0x7f_fff8L));
        assertEquals(0x40_c123_4567L, pt.iovaToPhys(0x80_4123_4567L));
        assertEquals(0, pt.iovaToPhys(0x6000));
        assertEquals(0, pt.iovaToPhys(0x80_0000_0000L));
        WalkTrace w = pt.walk(0x6000);
        assertEquals(WalkTrace.Stop.EMPTY, w.stop());
        assertEquals(4, w.steps().size());
        assertEquals(WalkTrace.Stop.OUT_OF_RANGE, pt.walk(1L << 48).stop());
        assertEquals(WalkTrace.Stop.EMPTY, pt.walk(0x1000_0000_0000L).stop());
        assertEquals(1, pt.walk(0x1000_0000_0000L).steps().size());
    }

    @Test
    void freeReturnsEveryPageAndForbidsFurtherUse() {
        table(true);
        assertEquals(0, pt.map(0x40_0000_0000L, 0x1_0000_0000L, G1, RW, ATOMIC));
        pt.unmap(0x40_0000_1000L, K4, new IotlbGather(false));
        assertEquals(0, pt.map(0x1000, 0x1000, 1000 * K4, RW, ATOMIC));
        assertEquals(0, pt.map(0x7fff_ffe0_0000L, 0x1000, M2, RW, ATOMIC));
        assertTrue(fake.takenPages() >= 8);
        assertEquals(pt.tablePages(), fake.takenPages());
        LpaeS1Pgtable t = pt;
        pt = null;
        t.free();
        assertEquals(0, fake.takenPages());
        assertEquals(0, mem.livePages());
        assertThrows(IllegalStateException.class, () -> t.map(0, 0, K4, RW, ATOMIC));
    }

    @Test
    void aRefusedSplitChangesNothing() {
        table(true);
        assertEquals(0, pt.map(0x4020_0000L, 0x1_0020_0000L, M2, RW, ATOMIC));
        pages.failAt = pages.calls + 1;
        assertEquals(0, pt.unmap(0x4020_1000L, K4, new IotlbGather(false)), "no page for the split table");
        assertEquals(0x1_0020_1000L, pt.iovaToPhys(0x4020_1000L));
        assertEquals(1, pt.dump(0x4020_0000L, M2).size());
        assertTrue(tlb.log.isEmpty());
        assertEquals(2, pt.walk(0x4020_1000L).steps().get(2).level(), "still the L2 block");
        assertEquals(WalkTrace.Stop.LEAF, pt.walk(0x4020_1000L).stop());
    }
}
