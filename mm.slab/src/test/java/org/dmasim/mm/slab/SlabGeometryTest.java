package org.dmasim.mm.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** calculate_order, min_partial and cpu_partial_slabs for the kmalloc sizes. */
class SlabGeometryTest {
    private static void shape(int size, int cpus, int order, int objects) {
        SlabGeometry g = SlabGeometry.of(size, cpus);
        assertEquals(order, g.order(), "order of kmalloc-" + size + " with " + cpus + " CPUs");
        assertEquals(objects, g.objects(), "objects of kmalloc-" + size + " with " + cpus + " CPUs");
    }

    @Test
    void oneCpuWantsEightObjectsPerSlab() {
        shape(8, 1, 0, 512);
        shape(96, 1, 0, 42);
        shape(128, 1, 0, 32);
        shape(192, 1, 0, 21);
        shape(512, 1, 0, 8);
        shape(1024, 1, 1, 8);
        shape(2048, 1, 2, 8);
        shape(4096, 1, 3, 8);
        shape(8192, 1, 3, 4);
    }

    @Test
    void moreCpusWantFullerSlabsUpToOrderThree() {
        shape(512, 4, 1, 16);
        shape(1024, 4, 2, 16);
        shape(2048, 4, 3, 16);
        shape(512, 64, 2, 32);
        shape(1024, 64, 3, 32);
        shape(2048, 64, 3, 16);
        shape(8192, 64, 3, 4);
    }

    @Test
    void theFallbackOrderHoldsOneObject() {
        SlabGeometry g = SlabGeometry.of(8192, 4);
        assertEquals(1, g.minOrder());
        assertEquals(1, g.minObjects());
        assertEquals(0, SlabGeometry.of(128, 4).minOrder());
    }

    @Test
    void partialListLimits() {
        assertEquals(5, SlabGeometry.of(8, 1).minPartial(), "ilog2(8) / 2 = 1, at least MIN_PARTIAL");
        assertEquals(6, SlabGeometry.of(8192, 1).minPartial(), "ilog2(8192) / 2");
        assertEquals(8, SlabGeometry.of(128, 1).cpuPartialSlabs(), "120 objects as half-full slabs of 32");
        assertEquals(7, SlabGeometry.of(256, 1).cpuPartialSlabs(), "52 * 2 / 16 rounded up");
        assertEquals(6, SlabGeometry.of(1024, 1).cpuPartialSlabs(), "24 * 2 / 8");
        assertEquals(3, SlabGeometry.of(8192, 1).cpuPartialSlabs(), "6 * 2 / 4");
    }
}
