package org.dmasim.mm.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.KernelVersion;
import org.junit.jupiter.api.Test;

/**
 * kmalloc_slab's size classes and kmalloc_type, as setup_kmalloc_cache_index_table bends them
 * and (6.12) new_kmalloc_cache aligns them.
 */
class KmallocIndexTest {
    static final SlabKernel V61 = SlabKernel.of(KernelVersion.parse("6.1"));
    static final SlabKernel V612 = SlabKernel.of(KernelVersion.parse("6.12"));

    @Test
    void arm64HasNoClassBelowArchDmaMinalignAndNo96Or192() {
        KmallocIndex k = new KmallocIndex(V61, 128, 128, true);
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
        assertEquals(7, k.alignedIndex(7), "6.1 aligns nothing at boot");
    }

    @Test
    void x86HasEveryClassFrom8With96And192() {
        KmallocIndex k = new KmallocIndex(V61, 8, 8, true);
        int[][] cases = {{1, 3}, {8, 3}, {9, 4}, {24, 5}, {32, 5}, {33, 6}, {64, 6}, {65, 1}, {96, 1}, {97, 7},
            {128, 7}, {129, 2}, {192, 2}, {193, 8}, {1024, 10}, {1025, 11}};
        for (int[] c : cases) {
            assertEquals(c[1], k.index(c[0]), "size " + c[0]);
        }
        assertEquals(List.of(3, 4, 5, 6, 1, 7, 2, 8, 9, 10, 11, 12, 13), k.created(),
            "6.1: kmalloc-96 right after kmalloc-64, kmalloc-192 right after kmalloc-128");
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13),
            new KmallocIndex(V612, 8, 8, true).created(), "6.12: 96 and 192 first");
    }

    @Test
    void aMinimumOf64DropsOnly96() {
        KmallocIndex k = new KmallocIndex(V61, 64, 64, true);
        assertEquals(6, k.index(8));
        assertEquals(7, k.index(72));
        assertEquals(2, k.index(136));
        assertEquals(List.of(6, 7, 2, 8, 9, 10, 11, 12, 13), k.created());
    }

    @Test
    void anAlignmentOf64At612MakesTheSmallClassesShareLargerCaches() {
        KmallocIndex k = new KmallocIndex(V612, 8, 64, true);
        assertEquals(3, k.index(8), "the size index stays that of KMALLOC_MIN_SIZE 8");
        assertEquals(6, k.alignedIndex(3));
        assertEquals(6, k.alignedIndex(4));
        assertEquals(6, k.alignedIndex(5));
        assertEquals(6, k.alignedIndex(6));
        assertEquals(7, k.alignedIndex(1), "96 aligned to 64 is 128");
        assertEquals(2, k.alignedIndex(2), "192 is a multiple of 64");
        assertEquals(8, new KmallocIndex(V612, 8, 128, true).alignedIndex(2), "192 aligned to 128 is 256");
    }

    @Test
    void theTypesComeInTheKernelsEnumOrder() {
        assertEquals(List.of(KmallocIndex.Type.NORMAL, KmallocIndex.Type.CGROUP, KmallocIndex.Type.RECLAIM,
            KmallocIndex.Type.DMA), new KmallocIndex(V61, 8, 8, true).types());
        assertEquals(List.of(KmallocIndex.Type.NORMAL, KmallocIndex.Type.RECLAIM, KmallocIndex.Type.DMA,
            KmallocIndex.Type.CGROUP), new KmallocIndex(V612, 8, 8, true).types());
        assertEquals(List.of(KmallocIndex.Type.NORMAL, KmallocIndex.Type.RECLAIM, KmallocIndex.Type.CGROUP),
            new KmallocIndex(V612, 8, 8, false).types());
    }

    @Test
    void namesAndTypesFollowKmallocInfo() {
        assertEquals("kmalloc-96", KmallocIndex.name(KmallocIndex.Type.NORMAL, 1));
        assertEquals("kmalloc-rcl-1k", KmallocIndex.name(KmallocIndex.Type.RECLAIM, 10));
        assertEquals("kmalloc-cg-192", KmallocIndex.name(KmallocIndex.Type.CGROUP, 2));
        assertEquals("dma-kmalloc-8k", KmallocIndex.name(KmallocIndex.Type.DMA, 13));
        KmallocIndex k = new KmallocIndex(V61, 8, 8, true);
        assertEquals(KmallocIndex.Type.DMA, k.type(Gfp.GFP_KERNEL | Gfp.GFP_DMA | Gfp.__GFP_RECLAIMABLE));
        assertEquals(KmallocIndex.Type.RECLAIM, k.type(Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE | Gfp.__GFP_ACCOUNT));
        assertEquals(KmallocIndex.Type.CGROUP, k.type(Gfp.GFP_KERNEL | Gfp.__GFP_ACCOUNT));
        assertEquals(KmallocIndex.Type.NORMAL, k.type(Gfp.GFP_NOWAIT | Gfp.__GFP_HIGH));
        KmallocIndex noDma = new KmallocIndex(V61, 8, 8, false);
        assertEquals(KmallocIndex.Type.NORMAL, noDma.type(Gfp.GFP_DMA), "no ZONE_DMA: no dma-kmalloc caches");
        assertEquals(List.of(KmallocIndex.Type.NORMAL, KmallocIndex.Type.CGROUP, KmallocIndex.Type.RECLAIM),
            noDma.types());
    }

    @Test
    void aMinimumThatIsNoPowerOfTwoIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new KmallocIndex(V61, 96, 96, true));
        assertThrows(IllegalArgumentException.class, () -> new KmallocIndex(V612, 8, 48, true));
        assertThrows(IllegalArgumentException.class, () -> new KmallocIndex(V612, 128, 64, true),
            "an alignment below KMALLOC_MIN_SIZE");
    }
}
