package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.mm.Gfp;
import org.dmasim.testing.FakeDma;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The 6.4+ algorithm and where it differs from 6.1 (reference §4, §12, §13 flow 6). */
class PoolV6_4Test {
    private final Fixture f = new Fixture("6.4");

    @Test
    void create_rules_ofV6_4() {
        assertEquals(16, f.create("min", 2, 1, 0).size());
        assertEquals(4096, f.create("cap", 64, 64, 8192).boundary());
        assertEquals(96, f.create("r", 68, 32, 4096).size());
        assertEquals(5000, f.create("big", 5000, 8, 0).allocation());
        assertTrue(f.pools.create("null", null, 64, 64, 0).isEmpty());
        assertTrue(f.pools.create("huge", f.dev, 1L << 31, 8, 0).isEmpty());
        assertTrue(f.pools.create("a3", f.dev, 64, 3, 0).isEmpty());
        assertTrue(f.pools.create("b32", f.dev, 64, 64, 32).isEmpty());
        assertTrue(f.pools.create("b100", f.dev, 64, 64, 100).isEmpty());
        assertTrue(f.pools.create("s0", f.dev, 0, 8, 0).isEmpty());
    }

    @Test
    void create_nullDevice_inV6_1_isRefusedWithTheReason() {
        Fixture old = new Fixture("6.1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> old.pools.create("p", null, 64, 64, 0));
        assertTrue(e.getMessage().contains("dev is NULL"), e.getMessage());
        assertEquals(64, old.create("cap", 64, 64, 8192).size());
        assertEquals(8192, old.create("cap2", 64, 64, 8192).boundary());
    }

    @Test
    void flow6_200blocksOf64_fourPagesInBoth_addressesDifferAfterFirstPage() {
        Fixture old = new Fixture("6.1");
        DmaPool pV6_1 = old.create("p", 64, 64, 0);
        DmaPool pV6_4 = f.create("p", 64, 64, 0);
        long[][] a = Fixture.allocN(pV6_1, 200);
        long[][] b = Fixture.allocN(pV6_4, 200);
        assertEquals(4, pV6_1.pages());
        assertEquals(4, pV6_4.pages());
        assertEquals(4096, pV6_1.allocation());
        assertEquals(4096, pV6_1.boundary());
        for (int i = 0; i < 63; i++) {
            assertEquals(a[0][i], b[0][i], "block " + i + " lies on the first page in both");
        }
        assertNotEquals(a[0][63], b[0][63]);
        // 6.4 uses the 64th slot of page one (offset 4032); 6.1 opens page two
        assertEquals(b[0][0] + 4032, b[0][63]);
        assertEquals("p                 200  256   64  4", pV6_1.poolsLine());
        assertEquals("p                 200  256   64  4", pV6_4.poolsLine());
    }

    @Test
    void poolsLine_exactCounters() {
        DmaPool pool = f.create("o16_16_0", 16, 16, 0);
        Fixture.allocN(pool, 300);
        // 6.1 printed 512 (2 x 4096/16) although only 510 fit; 6.4 counts 2 x 256 = 512 real ones
        assertEquals("poolinfo - 0.1\no16_16_0          300  512   16  2\n", f.pools.poolsFile(f.dev).orElseThrow());
        DmaPool q = f.create("o64_64_256", 64, 64, 256);
        Fixture.allocN(q, 130);
        assertEquals("o64_64_256        130  192   64  3", q.poolsLine());
    }

    @Test
    void reuse_poolWideLifo_thenRestOfTheStack_beforeAFreshPage() {
        DmaPool pool = f.create("reuse", 64, 64, 0);
        long[][] b = Fixture.allocN(pool, 126);
        assertEquals(2, pool.pages());
        for (int nth : new int[] {10, 20, 30, 70}) {
            pool.free(b[0][nth - 1], b[1][nth - 1]);
        }
        long[] again = new long[6];
        for (int i = 0; i < 6; i++) {
            again[i] = pool.alloc(Gfp.GFP_KERNEL).orElseThrow().cpuAddr();
        }
        long page2 = b[0][64];
        // the last two blocks of page two were never handed out: they follow on the stack
        assertArrayEquals(new long[] {b[0][69], b[0][29], b[0][19], b[0][9], page2 + 62 * 64, page2 + 63 * 64}, again);
        assertEquals(2, pool.pages());
    }

    @Test
    void freshPage_popsInAscendingOrder_dmaEqualsPageDmaPlusOffset() {
        DmaPool pool = f.create("asc", 256, 256, 0);
        long[][] b = Fixture.allocN(pool, 16);
        for (int i = 0; i < 16; i++) {
            assertEquals(b[0][0] + 256L * i, b[0][i]);
            assertEquals(b[0][i] - b[0][0], b[1][i] - b[1][0]);
        }
        assertEquals(FakeDma.DMA_OFFSET, f.dma.vm.toPhys(b[0][0]) - b[1][0]);
    }
}
