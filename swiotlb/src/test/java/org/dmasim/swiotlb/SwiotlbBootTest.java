package org.dmasim.swiotlb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.boot.SwiotlbSetup;
import org.dmasim.api.boot.ZoneLimits;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.testing.FakeBootContext;
import org.dmasim.testing.FakeMemblock;
import org.dmasim.testing.Specs;
import org.junit.jupiter.api.Test;

/**
 * swiotlb_init_remap() on its own: when a pool is made, what it asks memblock for (the
 * memblock_alloc_low of the slots, then the slot and area arrays) and what it reports.
 */
class SwiotlbBootTest {
    private static final long LOW_LIMIT = 0xffffffffL;

    /** arm64 QEMU virt: 4 GiB at 1 GiB, so RAM goes beyond what 32-bit devices reach. */
    private static FakeBootContext arm64(String cmdline, boolean addressingLimit, int cpus) {
        PlatformSpec s = Specs.spec(Arch.ARM64, cmdline);
        FakeBootContext ctx = new FakeBootContext(new PlatformSpec(s.name(), s.arch(), s.deviceTree(), s.e820(),
            s.memOverride(), s.cmdline(), s.kconfig(), cpus, s.options()), FakeMemblock.withMemory(0x40000000L, 4L << 30));
        ctx.put(ZoneLimits.class, new ZoneLimits(new long[] {0x100000, 0x100000, 0x140000, 0, 0},
            new boolean[] {true, true, true, true, false}, 32, 1L << 32, 1L << 32, LOW_LIMIT));
        ctx.put(SwiotlbSetup.class, new SwiotlbSetup(addressingLimit, true, false, false));
        return ctx;
    }

    private static SwiotlbPool boot(FakeBootContext ctx) {
        SwiotlbBoot swiotlb = new SwiotlbBoot();
        swiotlb.run(BootPhase.CMDLINE, ctx);
        swiotlb.run(BootPhase.SWIOTLB_INIT, ctx);
        return ctx.require(SwiotlbPool.class);
    }

    private static List<FakeMemblock.Request> requests(FakeBootContext ctx) {
        return ((FakeMemblock) ctx.memblock()).requests();
    }

    @Test
    void thePoolIsAllocatedLowTopDownThenItsSlotAndAreaArrays() {
        FakeBootContext ctx = arm64("", true, 1);
        SwiotlbPool pool = boot(ctx);
        // memblock_alloc_low(64 MiB, PAGE_SIZE): below ARCH_LOW_ADDRESS_LIMIT, which memblock
        // treats as an exclusive end, so the pool ends a page below 4 GiB.
        assertEquals(new FakeMemblock.Request(64L << 20, 4096, 0, LOW_LIMIT, 0xfbfff000L), requests(ctx).get(0));
        assertEquals(0xfbfff000L, pool.start());
        assertEquals(0xfffff000L, pool.end());
        assertEquals(32768, pool.nslabs());
        // The slot array (24 bytes a slot, page aligned) and one 16-byte area descriptor, anywhere.
        assertEquals(new FakeMemblock.Request(32768 * 24, 4096, 0, Memblock.ALLOC_ACCESSIBLE, 0x13ff40000L),
            requests(ctx).get(1));
        assertEquals(16, requests(ctx).get(2).size());
        assertEquals(Memblock.SMP_CACHE_BYTES, requests(ctx).get(2).align());
        assertEquals(List.of("software IO TLB: area num 1.",
            "software IO TLB: mapped [mem 0x00000000fbfff000-0x00000000fffff000] (64MB)"), ctx.log().kernelText());
    }

    @Test
    void theDefaultAreaCountIsThePossibleCpusRoundedUp() {
        FakeBootContext ctx = arm64("", true, 6);
        boot(ctx);
        assertEquals("software IO TLB: area num 8.", ctx.log().kernelText().get(0));
        assertEquals(8 * 16, requests(ctx).get(2).size());
    }

    @Test
    void withoutAnAddressingLimitThereIsNoPoolUnlessBouncingIsForced() {
        FakeBootContext ctx = arm64("", false, 1);
        SwiotlbPool none = boot(ctx);
        assertEquals(0, none.nslabs());
        assertTrue(requests(ctx).isEmpty());
        assertTrue(ctx.log().lines().isEmpty());

        FakeBootContext forced = arm64("swiotlb=force", false, 1);
        SwiotlbPool pool = boot(forced);
        assertEquals(32768, pool.nslabs());
        assertTrue(pool.forceBounce());
    }

    @Test
    void noforceMeansNoPoolEvenWithAnAddressingLimit() {
        FakeBootContext ctx = arm64("swiotlb=noforce", true, 1);
        assertEquals(0, boot(ctx).nslabs());
        assertTrue(requests(ctx).isEmpty());
    }

    @Test
    void aSizeFromTheCommandLineIsWhatIsAllocated() {
        FakeBootContext ctx = arm64("swiotlb=1000", true, 1);
        SwiotlbPool pool = boot(ctx);
        assertEquals(1024, pool.nslabs());
        assertEquals(2L << 20, requests(ctx).get(0).size());
        assertEquals("software IO TLB: mapped [mem 0x00000000ffdff000-0x00000000fffff000] (2MB)",
            ctx.log().kernelText().get(1));
    }

    @Test
    void withoutRoomBelowTheLowLimitEveryHalvedSizeFailsDownTo1MibAndThereIsNoPool() {
        FakeBootContext ctx = arm64("", true, 1);
        ctx.memblock().reserve(0x40000000L, 3L << 30); // everything below 4 GiB is taken
        SwiotlbPool pool = boot(ctx);
        assertEquals(0, pool.nslabs());
        List<String> expected = new java.util.ArrayList<>(List.of("software IO TLB: area num 1."));
        for (long size = 64L << 20; size >= 1L << 20; size >>= 1) {
            expected.add("software IO TLB: swiotlb_memblock_alloc: Failed to allocate " + size + " bytes tlb structure");
        }
        assertEquals(expected, ctx.log().kernelText());
    }

    @Test
    void aHalvedSizeThatFitsIsTakenAndAnnounced() {
        FakeBootContext ctx = arm64("", true, 4);
        // 20 MiB free below 4 GiB: 64 and 32 MiB fail, 16 MiB fits.
        ctx.memblock().reserve(0x40000000L, (3L << 30) - (20L << 20));
        SwiotlbPool pool = boot(ctx);
        assertEquals(8192, pool.nslabs());
        assertEquals(List.of("software IO TLB: area num 4.",
            "software IO TLB: swiotlb_memblock_alloc: Failed to allocate 67108864 bytes tlb structure",
            "software IO TLB: swiotlb_memblock_alloc: Failed to allocate 33554432 bytes tlb structure",
            "software IO TLB: SWIOTLB bounce buffer size adjusted 32768 -> 8192 slabs",
            "software IO TLB: mapped [mem 0x00000000fefff000-0x00000000fffff000] (16MB)"), ctx.log().kernelText());
        assertEquals(4 * 16, requests(ctx).get(requests(ctx).size() - 1).size(), "four areas of two segments or more");
    }

    /** arm64 6.12 with all RAM in the DMA zone: only kmalloc bouncing wants a pool, 1 MiB per GiB. */
    private static FakeBootContext kmallocBounce(String cmdline, long ram, int cpus) {
        PlatformSpec s = Specs.spec(Arch.ARM64, cmdline);
        FakeBootContext ctx = new FakeBootContext(new PlatformSpec(s.name(), s.arch(), s.deviceTree(), s.e820(),
            s.memOverride(), s.cmdline(), s.kconfig(), cpus, s.options()), FakeMemblock.withMemory(0x40000000L, ram));
        long end = 0x40000000L + ram;
        ctx.put(ZoneLimits.class, new ZoneLimits(new long[] {end >>> 12, end >>> 12, end >>> 12, 0, 0},
            new boolean[] {true, true, true, true, false}, 32, end, end, end - 1));
        ctx.put(SwiotlbSetup.class, new SwiotlbSetup(true, true, false, false, (ram + 1023) / 1024));
        return ctx;
    }

    @Test
    void anArchitectureSizedPoolIsAnnouncedAndAllocated() {
        FakeBootContext ctx = kmallocBounce("", 1L << 30, 1);
        SwiotlbPool pool = boot(ctx);
        assertEquals(512, pool.nslabs());
        assertEquals(List.of("software IO TLB: SWIOTLB bounce buffer size adjusted to 1MB",
            "software IO TLB: area num 1.",
            "software IO TLB: mapped [mem 0x000000007feff000-0x000000007ffff000] (1MB)"), ctx.log().kernelText(),
            "memblock_alloc_low: the inclusive limit taken as an exclusive end, a page below the DMA limit");
    }

    @Test
    void lessThanAGibPrints0MbAndManyCpusRoundTheSlabsUpToASegmentPerArea() {
        FakeBootContext ctx = kmallocBounce("", 960L << 20, 8);
        SwiotlbPool pool = boot(ctx);
        assertEquals(1024, pool.nslabs(), "480 slabs -> 512, then 8 areas of a 128-slab segment each");
        assertEquals(List.of("software IO TLB: SWIOTLB bounce buffer size adjusted to 0MB",
            "software IO TLB: area num 8.", "software IO TLB: SWIOTLB bounce buffer size roundup to 2MB"),
            ctx.log().kernelText().subList(0, 3));
    }

    @Test
    void aCommandLineSizeWinsOverTheArchitecturesAndNoforceStillAnnouncesTheAdjustment() {
        FakeBootContext sized = kmallocBounce("swiotlb=4096", 1L << 30, 1);
        assertEquals(4096, boot(sized).nslabs());
        assertTrue(sized.log().kernelText().stream().noneMatch(l -> l.contains("adjusted")), sized.log().kernelText()
            .toString());

        FakeBootContext noforce = kmallocBounce("swiotlb=noforce", 1L << 30, 1);
        assertEquals(0, boot(noforce).nslabs());
        assertEquals(List.of("software IO TLB: SWIOTLB bounce buffer size adjusted to 1MB"),
            noforce.log().kernelText());
    }

    @Test
    void x86ReportsThePoolLateFromPciIommuInit() {
        FakeBootContext ctx = new FakeBootContext(Specs.spec(Arch.X86_64, ""),
            FakeMemblock.withMemory(0x100000L, (3L << 30) - 0x100000L, 1L << 32, 1L << 30));
        ctx.put(ZoneLimits.class, new ZoneLimits(new long[] {0x1000, 0x100000, 0x140000, 0, 0},
            new boolean[] {true, true, true, true, true}, 24, 16L << 20, 5L << 30, LOW_LIMIT));
        ctx.put(SwiotlbSetup.class, new SwiotlbSetup(true, false, true, false));
        SwiotlbPool pool = boot(ctx);
        assertEquals(List.of("software IO TLB: area num 1."), ctx.log().kernelText(), "not verbose at mem_init");
        new SwiotlbBoot().run(BootPhase.PCI_IOMMU_INIT, ctx);
        assertEquals(List.of("software IO TLB: area num 1.", "PCI-DMA: Using software bounce buffering for IO (SWIOTLB)",
            String.format("software IO TLB: mapped [mem 0x%016x-0x%016x] (64MB)", pool.start(), pool.end())),
            ctx.log().kernelText());
        assertEquals(0xc0000000L, pool.end(), "top-down from the end of the low RAM");
    }
}
