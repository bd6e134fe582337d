package org.dmasim.arch.arm64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.junit.jupiter.api.Test;

/** The counting rules behind the early allocations, on inputs small enough to check by hand. */
class EarlyAllocationRulesTest {
    @Test
    void pageGranularLinearMapNeedsOnePtePagePer2MiB() {
        PagingInit.Tables t = new PagingInit.Tables();
        t.map(PagingInit.PAGE_OFFSET, 0x40000000L, 1L << 30, false);
        assertEquals(1 + 1 + 512, t.pages(), "PUD + PMD + 512 PTE pages for 1 GiB without blocks");
        PagingInit.Tables blocks = new PagingInit.Tables();
        blocks.map(PagingInit.PAGE_OFFSET + (2L << 20), 0x40200000L, 6L << 20, true);
        assertEquals(2, blocks.pages(), "2 MiB aligned ranges map with PMD blocks: PUD + PMD only");
        PagingInit.Tables partial = new PagingInit.Tables();
        partial.map(PagingInit.PAGE_OFFSET + 0x10000, 0x40210000L, (4L << 20) - 0x10000, true);
        assertEquals(1 + 1 + 1, partial.pages(), "the partial first 2 MiB needs a PTE page, the second is a block");
    }

    @Test
    void tablesAreCountedByRangesSoThatTerabytesCostNothing() {
        PagingInit.Tables t = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
            PagingInit.Tables big = new PagingInit.Tables();
            big.map(PagingInit.PAGE_OFFSET, 0x40000000L, 8L << 40, false);
            return big;
        });
        assertEquals(16 + 8192 + (4 << 20), t.pages(), "8 TiB page-granular: 16 PUD, 8192 PMD, 4M PTE pages");
    }

    /** The tables of one map by walking it 2 MiB at a time, as __create_pgd_mapping visits the entries. */
    private static int walk(long va, long pa, long size, boolean blocks) {
        java.util.Set<Long> puds = new java.util.HashSet<>();
        java.util.Set<Long> pmds = new java.util.HashSet<>();
        java.util.Set<Long> ptes = new java.util.HashSet<>();
        long end = va + size;
        for (long a = va; Long.compareUnsigned(a, end) < 0; ) {
            long next = Math.min(end, (a | ((1L << 21) - 1)) + 1);
            long pudStart = Math.max(va, a & -(1L << 30));
            long pudEnd = Math.min(end, (a | ((1L << 30) - 1)) + 1);
            long phys = pa + (a - va);
            puds.add(a >>> 39);
            boolean pudBlock = blocks && ((pudStart | pudEnd | (pa + (pudStart - va))) & ((1L << 30) - 1)) == 0;
            if (!pudBlock) {
                pmds.add(a >>> 30);
                if (!(blocks && ((a | next | phys) & ((1L << 21) - 1)) == 0)) {
                    ptes.add(a >>> 21);
                }
            }
            a = next;
        }
        return puds.size() + pmds.size() + ptes.size();
    }

    @Test
    void countingByRangesAgreesWithWalkingTheEntries() {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("EarlyAllocationRulesTest seed=" + seed);
        java.util.Random random = new java.util.Random(seed);
        long[] grains = {1L << 12, 1L << 16, 1L << 21, 1L << 30};
        for (int i = 0; i < 2000; i++) {
            long va = PagingInit.PAGE_OFFSET + random.nextInt(1 << 12) * grains[random.nextInt(grains.length)];
            long pa = random.nextInt(1 << 12) * grains[random.nextInt(grains.length)];
            long size = (1 + random.nextInt(3000)) * grains[random.nextInt(3)];
            boolean blocks = random.nextBoolean();
            PagingInit.Tables t = new PagingInit.Tables();
            t.map(va, pa, size, blocks);
            assertEquals(walk(va, pa, size, blocks), t.pages(), String.format("seed %d: map(%#x, %#x, %#x, %b)", seed, va,
                pa, size, blocks));
        }
    }

    @Test
    void kernelMapNeedsAPtePageWhereverASegmentBoundaryIsNot2MiBAligned() {
        PagingInit.Tables t = new PagingInit.Tables();
        PagingInit.mapKernel(t, 0x40200000L);
        // PUD + PMD + the 2 MiB blocks holding _stext, _etext, __init_begin/__inittext_end, __init_end, _end
        assertEquals(2 + 5, t.pages());
    }

    static DtProperty prop(String name, String value) {
        return new DtProperty(name, (value + "\0").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void unflattenedSizeCountsNodesPropertiesAndSynthesisedNames() {
        DtNode uart = new DtNode("serial@9000000", List.of(prop("compatible", "arm,pl011")), List.of());
        DtNode aliases = new DtNode("aliases", List.of(prop("serial0", "/serial@9000000"), prop("nothing", "/nowhere"),
            prop("console", "/serial@9000000")), List.of());
        DtNode root = new DtNode("", List.of(prop("model", "x")), List.of(aliases, uart));
        DeviceTree dt = new DeviceTree(root, List.of());
        // root: 208 + 1 -> 216, 1 property 96 -> 312, name "" 96 + 1 -> 409 -> 416
        // aliases: 208 + 8 = 216 -> 632, 3 properties -> 920, name 96 + 8 -> 1024
        // serial@9000000: 208 + 15 -> 1247 -> 1248, 1 property -> 1344, name "serial" 96 + 7 -> 1447
        assertEquals(1447, UnflattenedTree.size(dt, false, false));
        // a loader given a command line adds /chosen (node + name) and bootargs
        // 1447 -> 1448 + 208 + 7 = 1663 -> 1664 + 96 + 7 = 1767 -> 1768 + 96 = 1864
        assertEquals(1864, UnflattenedTree.size(dt, true, false));
        // of_alias_scan: serial0 resolves and ends in an id (stem "serial"); the others do not
        assertArrayEquals(new long[] {40 + 6 + 1}, UnflattenedTree.aliasSizes(dt));
    }
}
