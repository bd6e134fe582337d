package org.dmasim.cma;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dmasim.testing.FakePageAllocator;
import org.junit.jupiter.api.Test;

/** debugfs /sys/kernel/debug/cma/<name>/ and sysfs /sys/kernel/mm/cma/<name>/ contents. */
class CmaDebugfsTest {
    @Test
    void filesInCreationOrderWithKernelFormats() {
        TestAreas t = new TestAreas("reserved", 0x40000, 512, 0);
        t.cma.alloc(3, 0, false); // bits 0..2
        t.cma.alloc(1, 6, false); // bit 64
        t.cma.alloc(33, 0, false); // bits 3..35
        Map<String, String> f = t.cma.debugfs();
        assertEquals(List.of("base_pfn", "count", "order_per_bit", "used", "maxchunk", "bitmap"),
            List.copyOf(f.keySet()));
        assertEquals("262144\n", f.get("base_pfn"));
        assertEquals("512\n", f.get("count"));
        assertEquals("0\n", f.get("order_per_bit"));
        assertEquals("37\n", f.get("used"));
        assertEquals("447\n", f.get("maxchunk"), "bits 65..511");
        // 16 u32 words: bits 0..31 all set, bits 32..35 set, bit 64 (word 2 bit 0), rest clear
        assertEquals("4294967295 15 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n", f.get("bitmap"));
    }

    @Test
    void maxchunkFindsTheLongestHoleAnywhere() {
        TestAreas t = new TestAreas("m", 0x40000, 512, 0);
        long a = t.cma.alloc(100, 0, false);
        long b = t.cma.alloc(50, 0, false);
        t.cma.alloc(362, 0, false);
        assertEquals("0\n", t.cma.debugfs().get("maxchunk"));
        t.cma.release(a + 10, 20);
        t.cma.release(b, 50);
        assertEquals(50, t.cma.maxchunk());
        assertEquals("50\n", t.cma.debugfs().get("maxchunk"));
        assertEquals("442\n", t.cma.debugfs().get("used"));
    }

    @Test
    void orderPerBitScalesUsedAndMaxchunkToPages() {
        TestAreas t = new TestAreas("o", 0x40000, 1024, 2);
        t.cma.alloc(5, 0, false);
        Map<String, String> f = t.cma.debugfs();
        assertEquals("2\n", f.get("order_per_bit"));
        assertEquals("8\n", f.get("used"));
        assertEquals("1016\n", f.get("maxchunk"));
        assertEquals("3 0 0 0 0 0 0 0\n", f.get("bitmap"), "256 bits are 8 words");
    }

    @Test
    void fullBitmapLosesItsFinalNewlineLikeU32ArrayOpen() {
        TestAreas t = new TestAreas("full", 0x40000, 512, 0);
        t.cma.alloc(512, 0, false);
        String bitmap = t.cma.debugfs().get("bitmap");
        assertEquals("4294967295 ".repeat(15) + "4294967295", bitmap);
        assertEquals(16 * 11 - 1, bitmap.length());
        t.cma.release(0x401ff, 1);
        assertTrue(t.cma.debugfs().get("bitmap").endsWith(" 2147483647"), "still ten digits everywhere");
        t.cma.release(0x401fd, 2);
        assertTrue(t.cma.debugfs().get("bitmap").endsWith(" 536870911\n"), "a shorter last value keeps it");
    }

    @Test
    void u32ArrayFormatsLowHalfFirstAndPadsToTheBitCount() {
        assertEquals("", CmaDebugfs.u32Array(new long[0], 0));
        assertEquals("0 0 0\n", CmaDebugfs.u32Array(new long[0], 65));
        assertEquals("5 7\n", CmaDebugfs.u32Array(new long[] {(7L << 32) | 5}, 64));
        assertEquals("1000000000 999999999\n", CmaDebugfs.u32Array(new long[] {(999999999L << 32) | 1000000000L}, 64));
        assertEquals("1000000000 1000000000", CmaDebugfs.u32Array(new long[] {(1000000000L << 32) | 1000000000L}, 64));
    }

    @Test
    void droppedAreaShowsNoPages() {
        TestAreas t = new TestAreas("gone", 0x40000, 512, 0);
        t.cma.drop();
        Map<String, String> f = t.cma.debugfs();
        assertEquals("262144\n", f.get("base_pfn"));
        assertEquals("0\n", f.get("count"));
        assertEquals("0\n", f.get("used"));
        assertEquals("0\n", f.get("maxchunk"));
        assertEquals("", f.get("bitmap"));
    }

    @Test
    void sysfsCountsPages() {
        TestAreas t = new TestAreas("s", 0x40000, 512, 0);
        t.cma.alloc(5, 0, false);
        t.cma.alloc(1000, 0, true);
        assertEquals(Map.of("alloc_pages_success", "5\n", "alloc_pages_fail", "1000\n"), t.cma.sysfs());
    }

    @Test
    void registryListsEveryAreaUnderItsNameAndFindsAreasByName() {
        CmaRegistry reg = new CmaRegistry(8, new CmaGlobals(new org.dmasim.api.platform.BootLog()));
        FakePageAllocator pages = FakePageAllocator.oneZone(0x40000, 0x60000);
        Cma def = new Cma("reserved", 0x40000, 512, 0, reg.globals());
        Cma dt = new Cma("test-cma@58000000", 0x58000, 4096, 0, reg.globals());
        def.activate(pages);
        dt.activate(pages);
        reg.add(def);
        reg.add(dt);
        reg.setDefault(def);
        assertEquals(dt, reg.byName("test-cma@58000000").get());
        assertTrue(reg.byName("test-cma").isEmpty(), "the name includes the unit address");
        dt.alloc(1, 0, false);
        def.alloc(0, 0, false);
        assertEquals(1, reg.cmaAllocSuccess());
        assertEquals(1, reg.cmaAllocFail());
        Map<String, String> all = reg.debugfs();
        assertEquals(12, all.size());
        assertEquals("1\n", all.get("test-cma@58000000/used"));
        assertEquals("262144\n", all.get("reserved/base_pfn"));
        assertEquals(512 + 4096, reg.totalPages());
    }
}
