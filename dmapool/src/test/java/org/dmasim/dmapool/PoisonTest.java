package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.dmasim.api.dmapool.DmaBlock;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.LogLine.Level;
import org.junit.jupiter.api.Test;

/** DMAPOOL_DEBUG: POOL_POISON_FREED 0xa7, POOL_POISON_ALLOCATED 0xa9, link words, corruption. */
class PoisonTest {
    private static byte[] filled(int len, int value) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** A free 64-byte 6.1 block: a little-endian unsigned int link, then poison. */
    private static byte[] withLink(int link) {
        byte[] b = filled(64, 0xa7);
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) (link >>> (8 * i));
        }
        return b;
    }

    private static byte[] read(Fixture f, long vaddr, int len) {
        return f.dma.vm.cpuRead(vaddr, len);
    }

    @Test
    void v6_1_freshPage_isPoisonedAndChained() {
        Fixture f = new Fixture("6.1", true);
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        assertArrayEquals(filled(64, 0xa9), read(f, a.cpuAddr(), 64));
        byte[] second = withLink(128); // link: offset of the third block
        assertArrayEquals(second, read(f, a.cpuAddr() + 64, 64));
        byte[] last = withLink(4096); // the last block links to 4096: end of chain
        assertArrayEquals(last, read(f, a.cpuAddr() + 3968, 64));
        assertArrayEquals(filled(64, 0xa7), read(f, a.cpuAddr() + 4032, 64));
    }

    @Test
    void v6_1_freedBlock_isPoisoned_andCorruptionIsReportedWithAHexDump() {
        Fixture f = new Fixture("6.1", true);
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        pool.free(a);
        byte[] freed = withLink(64); // links to the block that was the chain head
        assertArrayEquals(freed, read(f, a.cpuAddr(), 64));
        // a write into the free block (a use after free)
        f.dma.vm.cpuWrite(a.cpuAddr() + 10, new byte[] {0x55});
        DmaBlock again = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(a, again);
        List<String> err = f.lines(Level.ERR);
        assertEquals(List.of("platform nc: dma_pool_alloc p, " + String.format("0x%016x", a.cpuAddr()) + " (corrupted)",
            "00000000: 40 00 00 00 a7 a7 a7 a7 a7 a7 55 a7 a7 a7 a7 a7  @.........U.....",
            "00000010: a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7  ................",
            "00000020: a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7  ................",
            "00000030: a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7 a7  ................"), err);
        assertArrayEquals(filled(64, 0xa9), read(f, a.cpuAddr(), 64));
    }

    @Test
    void v6_1_writeIntoTheLinkWord_isNotChecked() {
        Fixture f = new Fixture("6.1", true);
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        pool.free(a);
        f.dma.vm.cpuWrite(a.cpuAddr() + 3, new byte[] {0x55});
        pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(List.of(), f.lines(Level.ERR));
    }

    @Test
    void v6_4_blockHeader_isNextPointerAndDma_andCheckSkipsIt() {
        Fixture f = new Fixture("6.4", true);
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        byte[] b1 = read(f, a.cpuAddr() + 64, 64);
        assertEquals(a.cpuAddr() + 128, le(b1, 0));
        assertEquals(a.dmaHandle() + 64, le(b1, 8));
        assertEquals(0, le(read(f, a.cpuAddr() + 4032, 16), 0)); // last block of the only page: NULL
        pool.free(a);
        byte[] freed = read(f, a.cpuAddr(), 64);
        assertEquals(a.cpuAddr() + 64, le(freed, 0));
        assertEquals(a.dmaHandle(), le(freed, 8));
        assertArrayEquals(filled(48, 0xa7), Arrays.copyOfRange(freed, 16, 64));
        f.dma.vm.cpuWrite(a.cpuAddr() + 12, new byte[] {0x55}); // inside the header: not checked
        pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(List.of(), f.lines(Level.ERR));
        pool.free(a);
        f.dma.vm.cpuWrite(a.cpuAddr() + 20, new byte[] {0x55});
        pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        List<String> err = f.lines(Level.ERR);
        assertEquals("platform nc: pool_check_block p, " + String.format("0x%016x", a.cpuAddr()) + " (corrupted)",
            err.get(0));
        assertEquals(5, err.size());
        assertTrue(err.get(2).startsWith("00000010: a7 a7 a7 a7 55 a7"), err.get(2));
    }

    @Test
    void zalloc_zeroes_inBothVersions_withAndWithoutDebug() {
        for (String v : new String[] {"6.1", "6.4"}) {
            for (boolean debug : new boolean[] {false, true}) {
                Fixture f = new Fixture(v, debug);
                DmaPool pool = f.create("p", 64, 64, 0);
                DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
                f.dma.vm.cpuFill(a.cpuAddr(), 64, (byte) 0x5a);
                pool.free(a);
                DmaBlock z = pool.zalloc(Gfp.GFP_KERNEL).orElseThrow();
                assertEquals(a, z);
                assertArrayEquals(new byte[64], read(f, z.cpuAddr(), 64), v + " debug=" + debug);
            }
        }
    }

    @Test
    void withoutDebug_blocksAreNotPoisoned() {
        for (String v : new String[] {"6.1", "6.4"}) {
            Fixture f = new Fixture(v, false);
            DmaPool pool = f.create("p", 64, 64, 0);
            DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
            assertArrayEquals(new byte[4096], read(f, a.cpuAddr(), 4096));
        }
    }

    @Test
    void destroy_v6_1_poisonsIdlePagesBeforeFreeingThem() {
        Fixture f = new Fixture("6.1", true);
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        pool.free(a);
        pool.destroy();
        assertArrayEquals(filled(4096, 0xa7), read(f, a.cpuAddr(), 4096));
    }

    private static long le(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xff);
        }
        return v;
    }
}
