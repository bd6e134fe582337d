package org.dmasim.arch.arm64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
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
