package org.dmasim.mm.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.dmasim.api.mm.Gfp;
import org.junit.jupiter.api.Test;

/** kmalloc_slab's size classes and kmalloc_type, as setup_kmalloc_cache_index_table bends them. */
class KmallocIndexTest {
    @Test
    void arm64HasNoClassBelowArchDmaMinalignAndNo96Or192() {
        KmallocIndex k = new KmallocIndex(128, true);
        assertEquals(7, k.shiftLow);
        for (int size : new int[] {1, 8, 64, 72, 96, 128}) {
            assertEquals(7, k.index(size), "size " + size);
        }
        for (int size : new int[] {129, 136, 192, 256}) {
            assertEquals(8, k.index(size), "size " + size);
        }
        assertEquals(13, k.index(4097));
        assertEquals(13, k.index(8192));
        assertEquals(List.of(7, 8, 9, 10, 11, 12, 13), k.created());
    }

    @Test
    void x86HasEveryClassFrom8With96And192() {
        KmallocIndex k = new KmallocIndex(8, true);
        int[][] cases = {{1, 3}, {8, 3}, {9, 4}, {24, 5}, {32, 5}, {33, 6}, {64, 6}, {65, 1}, {96, 1}, {97, 7},
            {128, 7}, {129, 2}, {192, 2}, {193, 8}, {1024, 10}, {1025, 11}};
        for (int[] c : cases) {
            assertEquals(c[1], k.index(c[0]), "size " + c[0]);
        }
        assertEquals(List.of(3, 4, 5, 6, 1, 7, 2, 8, 9, 10, 11, 12, 13), k.created(),
            "kmalloc-96 right after kmalloc-64, kmalloc-192 right after kmalloc-128");
    }

    @Test
    void aMinimumOf64DropsOnly96() {
        KmallocIndex k = new KmallocIndex(64, true);
        assertEquals(6, k.index(8));
        assertEquals(7, k.index(72));
        assertEquals(2, k.index(136));
        assertEquals(List.of(6, 7, 2, 8, 9, 10, 11, 12, 13), k.created());
    }

    @Test
    void namesAndTypesFollowKmallocInfo() {
        assertEquals("kmalloc-96", KmallocIndex.name(KmallocIndex.Type.NORMAL, 1));
        assertEquals("kmalloc-rcl-1k", KmallocIndex.name(KmallocIndex.Type.RECLAIM, 10));
        assertEquals("kmalloc-cg-192", KmallocIndex.name(KmallocIndex.Type.CGROUP, 2));
        assertEquals("dma-kmalloc-8k", KmallocIndex.name(KmallocIndex.Type.DMA, 13));
        KmallocIndex k = new KmallocIndex(8, true);
        assertEquals(KmallocIndex.Type.DMA, k.type(Gfp.GFP_KERNEL | Gfp.GFP_DMA | Gfp.__GFP_RECLAIMABLE));
        assertEquals(KmallocIndex.Type.RECLAIM, k.type(Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE | Gfp.__GFP_ACCOUNT));
        assertEquals(KmallocIndex.Type.CGROUP, k.type(Gfp.GFP_KERNEL | Gfp.__GFP_ACCOUNT));
        assertEquals(KmallocIndex.Type.NORMAL, k.type(Gfp.GFP_NOWAIT | Gfp.__GFP_HIGH));
        KmallocIndex noDma = new KmallocIndex(8, false);
        assertEquals(KmallocIndex.Type.NORMAL, noDma.type(Gfp.GFP_DMA), "no ZONE_DMA: no dma-kmalloc caches");
        assertEquals(List.of(KmallocIndex.Type.NORMAL, KmallocIndex.Type.CGROUP, KmallocIndex.Type.RECLAIM),
            noDma.types());
    }

    @Test
    void aMinimumThatIsNoPowerOfTwoIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new KmallocIndex(96, true));
    }
}
