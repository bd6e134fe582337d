package org.dmasim.mm.buddy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** /proc/buddyinfo, /proc/pagetypeinfo and /proc/zoneinfo in 6.1's exact formats. */
class VmstatTest {
    @Test
    void buddyinfoListsPopulatedZonesOnly() {
        BuddyAllocator a = Machines.x86Booted4G();
        String[] lines = a.buddyinfo().split("\n", -1);
        assertEquals(4, lines.length, a.buddyinfo());
        // DMA: [0x100, 0x1000) free -> 0x100/8, 0x200/9, 0x400/10, 0x800/10, 0xc00/10.
        assertEquals("Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 ",
            lines[0]);
        assertTrue(lines[1].startsWith("Node 0, zone    DMA32 "));
        assertTrue(lines[2].startsWith("Node 0, zone   Normal "));
        assertEquals("", lines[3]);
        for (int i = 0; i < 3; i++) {
            assertTrue(Pattern.matches("Node 0, zone [ A-Za-z0-9]{8} ( {0,5}\\d{1,6} ){11}", lines[i]), lines[i]);
        }
    }

    @Test
    void pagetypeinfoWithoutCma() {
        BuddyAllocator a = Machines.x86Booted4G();
        String p = a.pagetypeinfo();
        assertTrue(p.startsWith("Page block order: 9\nPages per block:  512\n\n"
            + "Free pages count per migrate type at order       0      1      2      3      4      5      6      7"
            + "      8      9     10 \n"
            + "Node    0, zone      DMA, type    Unmovable      0      0      0      0      0      0      0      0"
            + "      1      0      0 \n"
            + "Node    0, zone      DMA, type      Movable      0      0      0      0      0      0      0      0"
            + "      0      1      3 \n"
            + "Node    0, zone      DMA, type  Reclaimable "), p);
        assertTrue(p.contains("\nNode    0, zone      DMA, type      Isolate "), p);
        assertTrue(!p.contains("CMA"), "no CMA column without CONFIG_CMA");
        assertTrue(p.contains("\n\nNumber of blocks type     Unmovable      Movable  Reclaimable   HighAtomic"
            + "      Isolate \n"
            + "Node 0, zone      DMA            1            7            0            0            0 \n"), p);
        // DMA32 [0x1000, 0x100000): pageblocks over present memory up to 0xbffe0 = 1528; the
        // hole's pages belong to Normal (memmap_init) or sit in absent sections.
        assertTrue(p.contains("Node 0, zone    DMA32            0         1528            0            0            0 \n"), p);
        assertTrue(p.contains("Node 0, zone   Normal            0          512            0            0            0 \n"), p);
        assertEquals(3 * 5 + 3 + 1 + 3 + 2, p.split("\n").length);
    }

    @Test
    void pagetypeinfoWithCma() {
        BuddyAllocator a = Machines.toyBooted();
        String p = a.pagetypeinfo();
        assertTrue(p.contains("Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic"
            + "          CMA      Isolate \n"), p);
        assertTrue(p.contains("Node    0, zone   Normal, type          CMA      0      0      0      0      0      0      0"
            + "      0      0      0      8 \n"), p);
        assertTrue(p.contains("Node 0, zone   Normal            0          240            0            0           16"
            + "            0 \n"), p);
    }

    private static final List<Pattern> ZONEINFO_LINES = List.of(
        Pattern.compile("Node \\d+, zone [ A-Za-z0-9]{8}"),
        Pattern.compile("  per-node stats"),
        Pattern.compile("      [a-z_]+ +\\d+"),
        Pattern.compile("  pages free     \\d+"),
        Pattern.compile("        (boost|min|low|high|spanned|present|managed|cma) +\\d+"),
        Pattern.compile("        protection: \\(\\d+(, \\d+)*\\)"),
        Pattern.compile("  pagesets"),
        Pattern.compile("    cpu: \\d+"),
        Pattern.compile("              count: \\d+"),
        Pattern.compile("              high:  \\d+"),
        Pattern.compile("              batch: \\d+"),
        Pattern.compile("  vm stats threshold: \\d+"),
        Pattern.compile("  node_unreclaimable:  \\d"),
        Pattern.compile("  start_pfn:           \\d+"));

    @Test
    void zoneinfoPrintsEveryZoneInTheKernelsLayout() {
        BuddyAllocator a = Machines.x86Booted4G();
        String z = a.zoneinfo();
        for (String line : z.split("\n")) {
            assertTrue(ZONEINFO_LINES.stream().anyMatch(p -> p.matcher(line).matches()), "unexpected line: '" + line + "'");
        }
        assertEquals(5, z.split("Node 0, zone").length - 1, "every zone, empty ones too");
        assertEquals(1, z.split("per-node stats").length - 1, "node stats once, in the first populated zone");
        assertTrue(z.startsWith("Node 0, zone      DMA\n  per-node stats\n      nr_inactive_anon 0\n"), z);
        assertTrue(z.contains("\n        spanned  4095\n        present  3998\n        managed  3840\n"
            + "        cma      0\n"), z);
        assertTrue(z.contains("\n      nr_free_pages 3840\n"));
        assertTrue(z.contains("\n  node_unreclaimable:  0\n  start_pfn:           1\nNode 0, zone    DMA32\n"));
        assertTrue(z.contains("\n  start_pfn:           4096\n"));
        assertTrue(z.endsWith("Node 0, zone   Device\n  pages free     0\n        boost    0\n        min      0\n"
            + "        low      0\n        high     0\n        spanned  0\n        present  0\n        managed  0\n"
            + "        cma      0\n        protection: (0, 0, 0, 0, 0)\n"), z);
        assertTrue(z.contains("Node 0, zone  Movable\n  pages free     0\n        boost    0\n        min      32\n"
            + "        low      32\n        high     32\n"), z);
        // Two CPUs: two pagesets blocks per populated zone.
        assertEquals(6, z.split("    cpu: ").length - 1);
        Zone dma = a.zone(org.dmasim.api.mm.ZoneType.DMA);
        assertTrue(z.contains(String.format("        protection: (0, %d, %d, %d, %d)", dma.lowmemReserve[1],
            dma.lowmemReserve[2], dma.lowmemReserve[3], dma.lowmemReserve[4])));
    }

    @Test
    void pagesetNumbersFollowBatchAndHighRules() {
        assertEquals(63, Watermarks.zoneBatchsize(1 << 20));
        assertEquals(0, Watermarks.zoneBatchsize(100));
        assertEquals(31, Watermarks.zoneBatchsize(100_000));
        assertEquals(8000, Watermarks.intSqrt(64_000_000));
        assertEquals(7, Watermarks.intSqrt(63));
    }
}
