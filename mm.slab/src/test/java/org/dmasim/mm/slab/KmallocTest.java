package org.dmasim.mm.slab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.api.slab.Kmalloc;
import org.dmasim.api.slab.KmallocCache;
import org.dmasim.api.slab.KmallocObject;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.junit.jupiter.api.Test;

/** kmalloc, kfree and ksize on booted platforms, with the page allocator and CPU cache behind them. */
class KmallocTest {
    /** A booted platform's kmalloc and what a test looks at next to it. */
    record Board(KmallocCaches k, PageAllocator buddy, KernelVm vm, BootLog log) {
        static Board boot(String profile, Map<String, ?> overrides) {
            BootResult r = Platforms.bootProfile(profile, overrides, new SlabBoot());
            return new Board((KmallocCaches) r.lookup(Kmalloc.class).orElseThrow(),
                r.lookup(PageAllocator.class).orElseThrow(), r.lookup(KernelVm.class).orElseThrow(), r.log());
        }

        String cache(long addr) {
            return k.lookup(addr).map(KmallocObject::cache).orElse("none");
        }

        List<String> logSince(int from) {
            List<LogLine> lines = log.lines();
            return lines.subList(from, lines.size()).stream().map(LogLine::text).toList();
        }
    }

    @Test
    void arm64KmallocStartsAtArchDmaMinalign() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        assertEquals(128, b.k().minAlign());
        long a = b.k().kmalloc(1, Gfp.GFP_KERNEL);
        assertEquals(0, a % 128);
        assertTrue(b.vm().isLinear(a), "kmalloc returns linear-map addresses");
        assertEquals("kmalloc-128", b.cache(a));
        assertEquals(128, b.k().ksize(a));
        assertEquals("kmalloc-256", b.cache(b.k().kmalloc(129, Gfp.GFP_KERNEL)), "no kmalloc-192 on arm64 6.1");
        assertEquals("kmalloc-8k", b.cache(b.k().kmalloc(8192, Gfp.GFP_KERNEL)));
        long large = b.k().kmalloc(8193, Gfp.GFP_KERNEL);
        assertEquals("kmalloc_large", b.cache(large));
        assertEquals(16384, b.k().ksize(large), "get_order(8193) = 2");
        assertEquals(new Kmalloc.LargeStats(1, 4), b.k().large());
        assertEquals(Kmalloc.ZERO_SIZE_PTR, b.k().kmalloc(0, Gfp.GFP_KERNEL));
        assertEquals(0, b.k().ksize(Kmalloc.ZERO_SIZE_PTR));
        b.k().kfree(0);
        b.k().kfree(Kmalloc.ZERO_SIZE_PTR);
        assertEquals(List.of("kmalloc-8k", "kmalloc-4k", "kmalloc-2k", "kmalloc-1k", "kmalloc-512", "kmalloc-256",
            "kmalloc-128"), b.k().caches().stream().map(KmallocCache::name).filter(n -> n.startsWith("kmalloc-")
                && !n.contains("-cg-") && !n.contains("-rcl-")).toList(), "slabinfo order: newest first");
    }

    @Test
    void arm64On612HasTheSmallClassesBackBecauseSmallBuffersAreBounced() {
        Board b = Board.boot("qemu-virt-arm64", Map.of("kernel", "6.12"));
        assertEquals(8, b.k().minAlign(), "ARCH_KMALLOC_MINALIGN 8, and mem_init() allocated a swiotlb");
        assertEquals("kmalloc-8", b.cache(b.k().kmalloc(1, Gfp.GFP_KERNEL)));
        assertEquals("kmalloc-96", b.cache(b.k().kmalloc(72, Gfp.GFP_KERNEL)));
        assertEquals("kmalloc-192", b.cache(b.k().kmalloc(129, Gfp.GFP_KERNEL)));
        assertEquals(8, b.k().sizeRoundup(1));
        assertEquals(96, b.k().sizeRoundup(72));
        assertEquals(List.of("kmalloc-8k", "kmalloc-4k", "kmalloc-2k", "kmalloc-1k", "kmalloc-512", "kmalloc-256",
            "kmalloc-128", "kmalloc-64", "kmalloc-32", "kmalloc-16", "kmalloc-8", "kmalloc-192", "kmalloc-96"),
            b.k().caches().stream().map(KmallocCache::name).filter(n -> n.startsWith("kmalloc-")
                && !n.contains("-cg-") && !n.contains("-rcl-")).toList(), "6.12 makes 96 and 192 first");
        assertTrue(b.k().slabinfo().split("\n")[2].startsWith("kmalloc-cg-8k "),
            "6.12's last type is KMALLOC_CGROUP, so its 8k cache is the newest");
    }

    @Test
    void arm64On612WithoutASwiotlbAlignsTheCachesToTheCacheLine() {
        Board b = Board.boot("qemu-virt-arm64", Map.of("kernel", "6.12", "cmdline", "swiotlb=noforce"));
        assertEquals(64, b.k().minAlign(), "__kmalloc_minalign(): dma_get_cache_alignment() without a swiotlb");
        long a = b.k().kmalloc(8, Gfp.GFP_KERNEL);
        assertEquals("kmalloc-64", b.cache(a), "kmalloc-8 shares the cache of its size aligned to 64");
        assertEquals(0, a % 64);
        assertEquals("kmalloc-128", b.cache(b.k().kmalloc(72, Gfp.GFP_KERNEL)), "96 aligned to 64 is 128");
        assertEquals("kmalloc-192", b.cache(b.k().kmalloc(136, Gfp.GFP_KERNEL)), "192 is a multiple of 64");
        assertEquals(64, b.k().sizeRoundup(8));
        assertEquals(128, b.k().sizeRoundup(72));
        assertEquals(List.of("kmalloc-8k", "kmalloc-4k", "kmalloc-2k", "kmalloc-1k", "kmalloc-512", "kmalloc-256",
            "kmalloc-64", "kmalloc-192", "kmalloc-128"), b.k().caches().stream().map(KmallocCache::name)
                .filter(n -> n.startsWith("kmalloc-") && !n.contains("-cg-") && !n.contains("-rcl-")).toList(),
            "new_kmalloc_cache(1) made kmalloc-128 first, new_kmalloc_cache(3) made kmalloc-64");
    }

    @Test
    void sizeRoundupIsTheSizeClassOrWholePagesAndAboveKmallocMaxSizeDependsOnTheKernel() {
        Board v61 = Board.boot("qemu-virt-arm64", Map.of());
        assertEquals(0, v61.k().sizeRoundup(0));
        assertEquals(128, v61.k().sizeRoundup(1));
        assertEquals(256, v61.k().sizeRoundup(129), "no kmalloc-192 on arm64 6.1");
        assertEquals(16384, v61.k().sizeRoundup(8193));
        assertEquals(8L << 20, v61.k().sizeRoundup(5L << 20), "6.1: PAGE_SIZE << get_order(size)");
        assertThrows(IllegalArgumentException.class, () -> v61.k().sizeRoundup(-1));
        Board v612 = Board.boot("pc-x86_64", Map.of("kernel", "6.12"));
        assertEquals(8, v612.k().minAlign());
        assertEquals(4L << 20, v612.k().sizeRoundup(4L << 20));
        assertEquals(5L << 20, v612.k().sizeRoundup(5L << 20), "6.12: above KMALLOC_MAX_SIZE the size as given");
    }

    @Test
    void x86HasTheSmallClassesAnd96And192() {
        Board b = Board.boot("pc-x86_64", Map.of());
        assertEquals(8, b.k().minAlign());
        long a = b.k().kmalloc(8, Gfp.GFP_KERNEL);
        assertEquals("kmalloc-8", b.cache(a));
        assertEquals(0, a % 8);
        assertEquals("kmalloc-96", b.cache(b.k().kmalloc(72, Gfp.GFP_KERNEL)));
        assertEquals("kmalloc-192", b.cache(b.k().kmalloc(150, Gfp.GFP_KERNEL)));
    }

    @Test
    void aNewSlabHandsOutObjectsInAddressOrderAndAFreedObjectComesBackFirst() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        long a = b.k().kmalloc(100, Gfp.GFP_KERNEL);
        long c = b.k().kmalloc(100, Gfp.GFP_KERNEL);
        long d = b.k().kmalloc(100, Gfp.GFP_KERNEL);
        assertEquals(a + 128, c);
        assertEquals(c + 128, d);
        b.k().kfree(c);
        assertEquals(c, b.k().kmalloc(50, Gfp.GFP_KERNEL), "LIFO per-CPU freelist");
        KmallocObject o = b.k().lookup(c + 5).orElseThrow();
        assertEquals(c, o.addr());
        assertEquals(0, o.order(), "kmalloc-128 slabs are one page with one CPU");
        assertEquals(o.phys(), b.vm().toPhys(c));
    }

    @Test
    void dmaKmallocTakesItsSlabsFromZoneDma() {
        Board x86 = Board.boot("pc-x86_64", Map.of());
        long a = x86.k().kmalloc(100, Gfp.GFP_KERNEL | Gfp.GFP_DMA);
        assertEquals("dma-kmalloc-128", x86.cache(a));
        assertTrue(x86.vm().toPhys(a) < 16L << 20, "x86 ZONE_DMA: below 16 MiB");
        long large = x86.k().kmalloc(64 << 10, Gfp.GFP_KERNEL | Gfp.GFP_DMA);
        assertTrue(x86.vm().toPhys(large) < 16L << 20, "kmalloc_large keeps the caller's zone");
        Board split = Board.boot("arm64-split-4g", Map.of());
        long b = split.k().kmalloc(4000, Gfp.GFP_KERNEL | Gfp.GFP_DMA);
        assertEquals("dma-kmalloc-4k", split.cache(b));
        assertTrue(split.vm().toPhys(b) < 1L << 32, "arm64 ZONE_DMA: the low bank");
    }

    @Test
    void kzallocZeroesTheWholeObjectThroughTheCpu() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        long a = b.k().kmalloc(100, Gfp.GFP_KERNEL);
        byte[] junk = new byte[128];
        java.util.Arrays.fill(junk, (byte) 0x5a);
        b.vm().cpuWrite(a, junk);
        b.k().kfree(a);
        assertEquals(a, b.k().kzalloc(10, Gfp.GFP_KERNEL));
        assertArrayEquals(new byte[128], b.vm().cpuRead(a, 128), "memset(object, 0, s->object_size)");
        long other = b.k().kmalloc(100, Gfp.GFP_KERNEL);
        b.vm().cpuWrite(other, junk);
        b.k().kfree(other);
        assertArrayEquals(junk, b.vm().cpuRead(b.k().kmalloc(100, Gfp.GFP_KERNEL), 128),
            "without __GFP_ZERO an object holds what its last owner left");
    }

    @Test
    void gfpDma32IsFixedUpWithTheKernelsWarningWhenASlabIsMade() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        int from = b.log().lines().size();
        long a = b.k().kmalloc(100, Gfp.GFP_KERNEL | Gfp.GFP_DMA32);
        assertEquals("kmalloc-128", b.cache(a));
        assertEquals(List.of("Unexpected gfp: 0x4 (GFP_DMA32). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!"),
            b.logSince(from));
        b.k().kmalloc(100, Gfp.GFP_KERNEL | Gfp.GFP_DMA32);
        assertEquals(1, b.logSince(from).size(), "an object from an existing slab needs no new slab: no warning");
        b.k().kmalloc(10000, Gfp.GFP_KERNEL | Gfp.__GFP_HIGHMEM);
        assertEquals("Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!",
            b.logSince(from).get(1), "kmalloc_large checks every call");
    }

    @Test
    void emptySlabsGoBackToThePageAllocatorBeyondWhatTheListsKeep() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        b.buddy().drainAllPages();
        long free = b.buddy().freePages();
        long[] objs = new long[32 * 40];
        for (int i = 0; i < objs.length; i++) {
            objs[i] = b.k().kmalloc(128, Gfp.GFP_KERNEL);
        }
        assertEquals(40, b.k().slabPages());
        for (long o : objs) {
            b.k().kfree(o);
        }
        b.k().checkInvariants();
        SlabGeometry g = SlabGeometry.of(128, 1);
        long kept = b.k().slabPages();
        assertTrue(kept <= 1 + g.cpuPartialSlabs() + g.minPartial(), kept + " slabs kept");
        b.buddy().drainAllPages();
        assertEquals(free - kept, b.buddy().freePages(), "every other slab page is free again");
        KmallocCache c = b.k().caches().stream().filter(x -> x.name().equals("kmalloc-128")).findFirst().orElseThrow();
        assertEquals(0, c.allocated());
        assertEquals(kept, c.slabs());
    }

    @Test
    void eachCpuHasItsOwnSlab() {
        Board b = Board.boot("arm64-split-4g", Map.of());
        long a0 = b.k().kmalloc(64, Gfp.GFP_KERNEL);
        long a1 = SimCpu.on(1, () -> b.k().kmalloc(64, Gfp.GFP_KERNEL));
        assertNotEquals(b.k().lookup(a0).orElseThrow().slabPfn(), b.k().lookup(a1).orElseThrow().slabPfn());
        SimCpu.on(1, () -> {
            b.k().kfree(a0); // a remote free goes to the slab's own freelist
            return null;
        });
        assertEquals(a0 + 128, b.k().kmalloc(64, Gfp.GFP_KERNEL), "CPU 0 keeps using its CPU freelist");
        b.k().checkInvariants();
    }

    @Test
    void slabinfoPrintsTheKernelsFormat() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        b.k().kmalloc(100, Gfp.GFP_KERNEL);
        String[] lines = b.k().slabinfo().split("\n");
        assertEquals("slabinfo - version: 2.1", lines[0]);
        assertEquals("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables"
            + " <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>", lines[1]);
        assertTrue(List.of(lines).contains("kmalloc-128           32     32    128   32    1 : tunables    0    0"
            + "    0 : slabdata      1      1      0"), String.join("\n", lines));
        assertTrue(lines[2].startsWith("dma-kmalloc-8k "), lines[2]);
    }

    // ---- misuse ----

    @Test
    void aDoubleFreeOfTheFreelistsHeadHitsSlubsBug() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        long a = b.k().kmalloc(100, Gfp.GFP_KERNEL);
        b.k().kfree(a);
        int from = b.log().lines().size();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.k().kfree(a));
        assertEquals("kernel BUG at mm/slub.c!", b.logSince(from).get(0));
        assertTrue(e.getMessage().contains("double free of a kmalloc-128 object that heads its freelist"),
            e.getMessage());
        assertEquals(a, b.k().kmalloc(100, Gfp.GFP_KERNEL), "the object is on the freelist once, not twice");
        assertEquals(a + 128, b.k().kmalloc(100, Gfp.GFP_KERNEL));
    }

    @Test
    void aDoubleFreeDeeperInTheFreelistGoesUnnoticedByTheKernel() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        long a = b.k().kmalloc(100, Gfp.GFP_KERNEL);
        long c = b.k().kmalloc(100, Gfp.GFP_KERNEL);
        b.k().kfree(a);
        b.k().kfree(c);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.k().kfree(a));
        assertTrue(e.getMessage().endsWith("double free of a kmalloc-128 object [dmasim: refused; Linux without"
            + " slub_debug does not notice: the object would sit on the freelist twice and be handed to two owners]"),
            e.getMessage());
        b.k().checkInvariants();
    }

    @Test
    void withSlubDebugOnADoubleFreeIsAnObjectAlreadyFreeBug() {
        Board b = Board.boot("qemu-virt-arm64", Map.of("kconfig", "SLUB_DEBUG_ON=y"));
        long a = b.k().kmalloc(100, Gfp.GFP_KERNEL);
        b.k().kfree(a);
        int from = b.log().lines().size();
        assertThrows(IllegalArgumentException.class, () -> b.k().kfree(a));
        assertEquals(List.of("=".repeat(77), "BUG kmalloc-128 (Not tainted): Object already free", "-".repeat(77), "",
            String.format("FIX kmalloc-128: Object at %#x not freed", a)), b.logSince(from));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.k().kfree(a + 8));
        assertEquals(String.format("BUG kmalloc-128 (Tainted: G    B            ): Invalid object pointer %#x", a + 8),
            e.getMessage(), "the first BUG tainted the kernel");
    }

    @Test
    void aPointerInsideAnObjectIsRefused() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        long a = b.k().kmalloc(100, Gfp.GFP_KERNEL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.k().kfree(a + 4));
        assertTrue(e.getMessage().contains("not the start of an object of kmalloc-128"), e.getMessage());
        assertEquals(a, b.k().lookup(a).orElseThrow().addr(), "still allocated");
    }

    @Test
    void memoryThatIsNoKmallocGetsFreeLargeKmallocsWarningOnce() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        long pfn = b.buddy().allocPages(Gfp.GFP_KERNEL, 0);
        long addr = b.vm().linearAddress(Page.pfnPhys(pfn));
        int from = b.log().lines().size();
        assertThrows(IllegalArgumentException.class, () -> b.k().kfree(addr));
        List<String> printed = b.logSince(from);
        assertEquals("WARNING: CPU: 0 PID: 0 at mm/slab_common.c free_large_kmalloc", printed.get(0));
        assertEquals(String.format("object pointer: %#x", addr), printed.get(1));
        assertTrue(printed.get(2).contains("is neither a slab nor a kmalloc_large allocation [dmasim: refused;"),
            printed.get(2));
        assertThrows(IllegalArgumentException.class, () -> b.k().kfree(addr));
        assertEquals(4, b.logSince(from).size(), "WARN_ON_ONCE: the second time only dmasim's line");
        b.buddy().freePages(pfn, 0); // the page was never given away
        assertEquals(0, b.k().ksize(addr), "ksize WARNs and returns 0");
    }

    @Test
    void aVmallocAddressIsNoKmallocMemory() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        long va = b.vm().vmap(0x40000000L + (512L << 20), Page.PAGE_SIZE, org.dmasim.api.mem.MemAttr.NORMAL, "test");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.k().kfree(va));
        assertTrue(e.getMessage().contains("not a linear-map address, so no kmalloc memory"), e.getMessage());
    }

    @Test
    void aLargeAllocationIsFreedWholeEvenFromAnInnerPointer() {
        Board b = Board.boot("qemu-virt-arm64", Map.of());
        b.buddy().drainAllPages();
        long free = b.buddy().freePages();
        long a = b.k().kmalloc(100_000, Gfp.GFP_KERNEL);
        int from = b.log().lines().size();
        b.k().kfree(a + 4096);
        assertTrue(b.logSince(from).get(0).contains("not the start of the kmalloc_large allocation"));
        b.buddy().drainAllPages();
        assertEquals(free, b.buddy().freePages());
        assertThrows(IllegalArgumentException.class, () -> b.k().kfree(a), "the pages are gone: a double free");
        assertThrows(IllegalArgumentException.class, () -> b.k().kmalloc(-1, Gfp.GFP_KERNEL));
    }
}
