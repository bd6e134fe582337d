package org.dmasim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.dmasim.launcher.DmasimProcess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dmasim upgrade} end to end, on boards whose upgrades from 6.1 to 6.12 differ: one where
 * only formats change, one whose narrow dma-ranges window loses CMA, swiotlb and the GFP_DMA
 * pool, one whose swiotlb shrinks, one whose ZONE_DMA narrows and whose 31-bit device gains its
 * mask. The facts behind each sentence are the 6.12 oracle's.
 */
class DmasimUpgradeIT {
    @TempDir
    Path dir;

    private Result upgrade(String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("upgrade"));
        all.addAll(List.of(args));
        return new DmasimProcess(dir).run(all.toArray(new String[0]));
    }

    private static String board(String name) throws URISyntaxException {
        return Path.of(DmasimUpgradeIT.class.getClassLoader().getResource("upgrade/" + name).toURI()).toString();
    }

    /** The numbered consequences, without the lines under them. */
    private static List<String> consequences(String out) {
        return out.lines().filter(l -> l.matches(" *\\d+\\. .*")).map(l -> l.replaceFirst(" *\\d+\\. ", "")).toList();
    }

    @Test
    void theDefaultBoardChangesOnlyFormatsBootsAlikeAndLosesNothing() throws Exception {
        Result r = upgrade("--fail-on-loss");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("dmasim upgrade qemu-virt-arm64: Linux 6.1 -> Linux 6.12, the same inputs booted"
            + " under both\n\n--- Linux 6.1 (key boot lines)\n+++ Linux 6.12 (key boot lines)\n@@ -1,17 +1,19 @@\n"), r.out());
        assertTrue(r.out().contains("\n-cma: Reserved 64 MiB at 0x00000000fc000000\n"), r.out());
        assertTrue(r.out().contains("\n+cma: Reserved 64 MiB at 0x00000000fc000000 on node -1\n"), r.out());
        assertTrue(r.out().contains("\n-iommu: Default domain type: Translated \n"), "6.1's trailing space, kept");
        List<String> c = consequences(r.out());
        assertTrue(c.stream().noneMatch(l -> l.startsWith("ZONE_") || l.startsWith("CMA:") || l.startsWith("swiotlb:")
            || l.startsWith("atomic pool")), c.toString());
        assertTrue(c.contains("CMA lines: the same areas; only the format differs, the node is named (format only)"),
            c.toString());
        assertTrue(c.contains("dma_get_cache_alignment(): 128 -> 64 bytes"), c.toString());
        assertTrue(c.contains("kmalloc: objects aligned to 8 bytes instead of 128 (Linux 6.12 bounces the smaller"
            + " buffers of non-coherent devices through the swiotlb instead of keeping them off shared cache lines)"),
            c.toString());
        assertTrue(c.contains("GFP_ATOMIC: 0xa20 -> 0x820 (Linux 6.12 has no __GFP_ATOMIC bit)"), c.toString());
        assertTrue(r.out().endsWith("\nMemory for DMA lost or shrunk: none\n"), r.out());
    }

    @Test
    void aDmaWindowBelowRamLosesCmaSwiotlbAndTheDmaPool() throws Exception {
        Result r = upgrade("--dtb", board("narrow-dma-window.dts"));
        assertEquals(0, r.status(), "without --fail-on-loss a loss is reported, not an error: " + r.err());
        List<String> c = consequences(r.out());
        assertTrue(c.contains("CMA: 64 MiB lost (the default area, was at 0xfc000000; Linux 6.12 requires CMA below the"
            + " DMA limit 0x3fffffff; none fits)"), c.toString());
        assertTrue(r.out().contains("none fits)\n       -cma: Reserved 64 MiB at 0x00000000fc000000\n"
            + "       +cma: Failed to reserve 64 MiB on node -1\n"), "tied to the lines that show it:\n" + r.out());
        assertTrue(c.stream().anyMatch(l -> l.startsWith("ZONE_DMA: [mem 0x0000000040000000-0x00000000ffffffff] ->"
            + " empty")), c.toString());
        assertTrue(c.contains("swiotlb: 64 MiB lost (no room below the DMA limit 0x3fffffff: every size from 64 MiB down"
            + " to 1 MiB failed); devices that cannot reach all RAM have no bounce buffer"), c.toString());
        assertTrue(c.stream().anyMatch(l -> l.startsWith("atomic pool GFP_KERNEL|GFP_DMA: 512 KiB lost (ZONE_DMA has no"
            + " managed pages)")), c.toString());
        assertTrue(c.contains("kmalloc: objects aligned to 64 bytes instead of 128"),
            "no swiotlb to bounce with: kmalloc keeps to the cache line " + c);
        assertTrue(r.out().endsWith("\nMemory for DMA lost or shrunk: CMA, swiotlb, atomic pool GFP_KERNEL|GFP_DMA\n"),
            r.out());

        Result ci = upgrade("--dtb", board("narrow-dma-window.dts"), "--fail-on-loss");
        assertEquals(3, ci.status(), ci.err());
        assertEquals(r.out(), ci.out());
    }

    @Test
    void aSwiotlbForcedOnA1GibBoardShrinksTo1Mib() throws Exception {
        Result forced = upgrade("--dtb", board("qemu-virt-1G.dts"), "--cmdline", "swiotlb=force", "--fail-on-loss");
        assertEquals(3, forced.status(), forced.err());
        List<String> c = consequences(forced.out());
        assertTrue(c.stream().anyMatch(l -> l.startsWith("swiotlb: shrinks from 64 MiB to 1 MiB (Linux 6.12 on arm64 sets"
            + " one up for bouncing small kmalloc buffers")), c.toString());
        assertTrue(forced.out().contains("       +software IO TLB: SWIOTLB bounce buffer size adjusted to 1MB\n"),
            forced.out());

        Result plain = upgrade("--dtb", board("qemu-virt-1G.dts"), "--fail-on-loss");
        assertEquals(0, plain.status(), "a pool gained is no loss: " + plain.err());
        assertTrue(consequences(plain.out()).stream().anyMatch(l -> l.startsWith("swiotlb: 1 MiB added at [mem"
            + " 0x7ab00000-0x7ac00000]")), plain.out());
    }

    @Test
    void aDmaRangesBusBelow4GibNarrowsZoneDmaAndItsDeviceGainsA31BitMask() throws Exception {
        Result r = upgrade("qemu-virt-arm64-testdevs");
        assertEquals(0, r.status(), r.err());
        List<String> c = consequences(r.out());
        assertTrue(c.contains("ZONE_DMA: [mem 0x0000000040000000-0x00000000ffffffff] -> [mem"
            + " 0x0000000040000000-0x00000000bfffffff] (Linux 6.12 ends ZONE_DMA at the device tree's DMA limit,"
            + " 0xbfffffff; Linux 6.1 ended it at 0xffffffff)"), c.toString());
        assertTrue(c.contains("device dma-test-bus:dma-test-dr: dma_set_mask(0x7fffffff) succeeds (was -EIO): Linux 6.12"
            + " compares masks with ZONE_DMA's exact limit 0xbfffffff"), c.toString());
        assertTrue(c.contains("CMA: the default area (64 MiB) moves from 0xfc000000 to 0xbc000000"), c.toString());
        // static reserved-memory regions: 6.1 by address, 6.12 in tree order, each announced
        assertTrue(r.out().contains("+OF: reserved mem: 0x0000000058000000..0x0000000058ffffff (16384 KiB) map reusable"
            + " test-cma@58000000\n"), r.out());
    }

    @Test
    void badKernelChoicesAreRefusedNamingTheModelledOnes() throws Exception {
        Result same = upgrade("--from", "6.12", "--to", "6.12");
        assertEquals(2, same.status());
        assertEquals("dmasim: upgrade: --from and --to name the same kernel, 6.12 (nothing to compare)\n", same.err());
        Result unknown = upgrade("--to", "6.6");
        assertEquals(2, unknown.status());
        assertEquals("dmasim: --to: kernel 6.6: not a kernel dmasim models (modelled: 6.1, 6.12)\n", unknown.err());
        Result kernel = upgrade("--kernel", "6.12");
        assertEquals(2, kernel.status());
        assertEquals("dmasim: --kernel: upgrade boots two kernels; name them with --from and --to\n", kernel.err());
        Result boot = new DmasimProcess(dir).run("boot", "--kernel", "v7");
        assertEquals(2, boot.status());
        assertEquals("dmasim: --kernel: kernel 'v7': expected a version MAJOR.MINOR such as 6.1 or 6.12\n", boot.err());
        assertFalse(boot.out().contains("Zone ranges"));
    }

    @Test
    void bootWithKernel612PrintsWhatTheRealKernelPrinted() throws Exception {
        Result r = new DmasimProcess(dir).run("boot", "--kernel", "6.12");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\ncma: Reserved 64 MiB at 0x00000000fc000000 on node -1\n"), r.out());
        assertTrue(r.out().contains("\niommu: DMA domain TLB invalidation policy: strict mode\n"), r.out());
    }
}
