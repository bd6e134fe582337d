package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BlockLayoutTest {
    @Test
    void v6_1_boundaryOffByOne_givesOracleCounts() {
        // the real 6.1 kernel: 255 / 63 / 48 / 42 / 1 blocks per backing page
        assertEquals(255, BlockLayout.v6_1(16, 4096, 4096).blocks());
        assertEquals(63, BlockLayout.v6_1(64, 4096, 4096).blocks());
        assertEquals(48, BlockLayout.v6_1(64, 4096, 256).blocks());
        assertEquals(42, BlockLayout.v6_1(96, 4096, 4096).blocks());
        assertEquals(1, BlockLayout.v6_1(4096, 4096, 4096).blocks());
        assertEquals(1, BlockLayout.v6_1(5000, 5000, 5000).blocks());
        assertEquals(1, BlockLayout.v6_1(2048, 4096, 4096).blocks());
        assertEquals(3968, BlockLayout.v6_1(64, 4096, 4096).offsets[62]);
    }

    @Test
    void v6_1_nonDividingSize_unaffected() {
        // size 68 with align <= 4: 60 blocks (4080 + 68 > 4096 ends the chain normally)
        assertEquals(60, BlockLayout.v6_1(68, 4096, 4096).blocks());
    }

    @Test
    void v6_4_fixedBoundary_fillsThePage() {
        assertEquals(256, BlockLayout.v6_4(16, 4096, 4096).blocks());
        assertEquals(64, BlockLayout.v6_4(64, 4096, 4096).blocks());
        assertEquals(64, BlockLayout.v6_4(64, 4096, 256).blocks());
        assertEquals(42, BlockLayout.v6_4(96, 4096, 4096).blocks());
        assertEquals(2, BlockLayout.v6_4(2048, 4096, 4096).blocks());
        assertEquals(1, BlockLayout.v6_4(5000, 5000, 5000).blocks());
    }

    @Test
    void boundarySegments_restartAtEachBoundary() {
        BlockLayout l = BlockLayout.v6_1(96, 4096, 256);
        // per 256-byte segment only 0 and 96 (192 + 96 crosses 256)
        assertEquals(32, l.blocks());
        assertEquals(256, l.offsets[2]);
        assertEquals(352, l.offsets[3]);
    }

    @Test
    void v6_1_boundaryBeyondChunk_lastBlockOverruns() {
        BlockLayout l = BlockLayout.v6_1(96, 4096, 8192);
        assertEquals(43, l.blocks());
        assertEquals(4032, l.offsets[42]);
        assertTrue(l.overruns());
        assertFalse(BlockLayout.v6_1(64, 4096, 4096).overruns());
    }

    @Test
    void indexOf_invertsEveryOffset_andRejectsTheRest() {
        for (BlockLayout l : new BlockLayout[] {BlockLayout.v6_1(64, 4096, 256), BlockLayout.v6_1(96, 4096, 4096),
            BlockLayout.v6_4(68, 4096, 4096), BlockLayout.v6_1(5000, 5000, 5000), BlockLayout.v6_4(16, 4096, 4096),
            BlockLayout.v6_1(96, 4096, 8192), BlockLayout.v6_1(6, 4096, 4096)}) {
            int found = 0;
            for (int off = 0; off < l.allocation; off++) {
                int idx = l.indexOf(off);
                if (idx >= 0) {
                    assertEquals(off, l.offsets[idx], "offset " + off);
                    found++;
                }
            }
            assertEquals(l.blocks(), found);
        }
        // 6.1 skips the block at 4032 for 64-byte blocks: it is not a block
        assertEquals(-1, BlockLayout.v6_1(64, 4096, 4096).indexOf(4032));
        assertEquals(63, BlockLayout.v6_4(64, 4096, 4096).indexOf(4032));
    }

    @Test
    void v6_1_chainEnd_isFirstOffsetPastTheChunk() {
        assertEquals(4096, BlockLayout.v6_1(64, 4096, 4096).chainEnd);
        assertEquals(4096, BlockLayout.v6_1(16, 4096, 4096).chainEnd);
    }
}
