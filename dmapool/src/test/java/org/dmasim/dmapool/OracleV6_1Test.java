package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.mm.Gfp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Facts the real Linux 6.1 (Debian 12, 6.1.0-56 and 6.1.192, arm64 QEMU virt, 4 KiB pages)
 * produced for dma_pool, copied from the project's runtime oracle.
 */
class OracleV6_1Test {
    private final Fixture f = new Fixture("6.1");

    /** Blocks that fit one backing page: allocate until a second page appears. */
    private static int blocksPerPage(DmaPool pool) {
        int n = 0;
        while (pool.pages() < 2) {
            pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
            n++;
        }
        return n - 1;
    }

    @ParameterizedTest(name = "create({0}, {1}, {2}) -> {3} blocks per page")
    @CsvSource({"16, 16, 0, 255", "64, 64, 0, 63", "64, 64, 256, 48", "68, 32, 4096, 42", "4096, 4096, 0, 1",
        "5000, 8, 0, 1", "2048, 2048, 0, 1"})
    void blocksPerBackingPage_matchTheKernel(long size, long align, long boundary, int blocks) {
        DmaPool pool = f.create("o" + size + "_" + align + "_" + boundary, size, align, boundary);
        assertEquals(blocks, blocksPerPage(pool));
    }

    @Test
    void create_68_32_roundsSizeTo96_5000_keepsAllocation5000() {
        assertEquals(96, f.create("a", 68, 32, 4096).size());
        DmaPool big = f.create("b", 5000, 8, 0);
        assertEquals(5000, big.allocation());
        assertEquals(5000, big.boundary());
    }

    @ParameterizedTest(name = "create({0}, {1}, {2}) -> NULL")
    @CsvSource({"64, 3, 0", "64, 64, 32", "64, 64, 100", "0, 8, 0"})
    void create_invalid_returnsNull_andLeavesNoPoolsFile(long size, long align, long boundary) {
        Optional<DmaPool> pool = f.pools.create("bad", f.dev, size, align, boundary);
        assertTrue(pool.isEmpty());
        assertTrue(f.pools.poolsFile(f.dev).isEmpty());
        assertEquals(List.of(), f.pools.pools());
        // the reason is logged as a dmasim line naming the rule
        String why = f.lines(org.dmasim.api.platform.LogLine.Level.DMASIM).get(0);
        assertTrue(why.startsWith("dma_pool_create bad: ") && why.endsWith("; the kernel returns NULL"), why);
    }

    @Test
    void create_tinyAndZeroAlign_areAccepted() {
        assertEquals(4, f.create("t", 2, 1, 0).size());
        assertEquals(100, f.create("z", 100, 0, 0).size());
    }

    @ParameterizedTest(name = "{0} after {1} allocations")
    @CsvSource(delimiter = '|', value = {
        "16|16|0|300|o16_16_0          300  512   16  2",
        "64|64|0|130|o64_64_0          130  192   64  3",
        "64|64|256|130|o64_64_256        130  192   64  3"})
    void poolsFile_matchesTheKernelLine(long size, long align, long boundary, int n, String line) {
        DmaPool pool = f.create("o" + size + "_" + align + "_" + boundary, size, align, boundary);
        Fixture.allocN(pool, n);
        assertEquals("poolinfo - 0.1\n" + line + "\n", f.pools.poolsFile(f.dev).orElseThrow());
    }

    @Test
    void reuse_newestPageFirst_lastFreedFirst_thenFreshPage() {
        DmaPool pool = f.create("reuse", 64, 64, 0);
        long[][] b = Fixture.allocN(pool, 126);
        assertEquals(2, pool.pages());
        int[] freed = {10, 20, 30, 70};
        for (int nth : freed) {
            pool.free(b[0][nth - 1], b[1][nth - 1]);
        }
        long[] again = new long[4];
        for (int i = 0; i < 4; i++) {
            again[i] = pool.alloc(Gfp.GFP_KERNEL).orElseThrow().cpuAddr();
        }
        assertArrayEquals(new long[] {b[0][69], b[0][29], b[0][19], b[0][9]}, again);
        assertEquals(2, pool.pages());
        pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(3, pool.pages());
    }
}
