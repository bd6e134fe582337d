package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.KernelVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The dma_pool rows of the 6.12 oracle's run-time table (Debian's 6.12 for bookworm, the same
 * test module and board as the 6.1 observations), against the backend a 6.12 platform gets by
 * default.
 */
class OracleV6_12Test {
    private final Fixture f = new Fixture(DmapoolKernels.defaultBackend(KernelVersion.parse("6.12")));

    @Test
    void aLinux612PlatformGetsThe64Algorithm() {
        assertEquals("6.4", f.pools.backendVersion());
        assertEquals("6.1", DmapoolKernels.defaultBackend(KernelVersion.parse("6.1")));
    }

    /** How many blocks each backing page held after {@code n} allocations, page by page. */
    private static int[] perPage(DmaPool pool, int n) {
        long[][] b = Fixture.allocN(pool, n);
        java.util.TreeMap<Long, Integer> pages = new java.util.TreeMap<>();
        long chunk = Math.max(pool.allocation(), 4096);
        for (long v : b[0]) {
            pages.merge(Math.floorDiv(v, chunk), 1, Integer::sum);
        }
        return pages.values().stream().mapToInt(Integer::intValue).toArray();
    }

    @ParameterizedTest(name = "create({0}, {1}, {2}), {3} blocks -> {4}")
    @CsvSource(delimiter = '|', value = {
        "16|16|0|300|256 44",
        "64|64|0|130|64 64 2",
        "64|64|0|126|64 62",
        "64|64|256|130|64 64 2",
        "68|32|4096|130|42 42 42 4",
        "2048|2048|0|6|2 2 2",
        "4096|4096|0|3|1 1 1",
        "5000|8|0|3|1 1 1"})
    void blocksPerBackingPage(long size, long align, long boundary, int n, String expected) {
        DmaPool pool = f.create("o" + size + "_" + align + "_" + boundary, size, align, boundary);
        int[] want = java.util.Arrays.stream(expected.split(" ")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(want, perPage(pool, n));
    }

    @Test
    void sysfsCountersAreExact() {
        DmaPool pool = f.create("o2048_2048_0", 2048, 2048, 0);
        Fixture.allocN(pool, 6);
        assertEquals("poolinfo - 0.1\no2048_2048_0        6    6 2048  3\n", f.pools.poolsFile(f.dev).orElseThrow(),
            "2 blocks of 2048 B per page, 3 pages; 6.1 said 6 12 2048 6");
    }

    @Test
    void theSmallestBlockIsAStructDmaBlock() {
        DmaPool pool = f.create("tiny", 2, 1, 0);
        long a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow().cpuAddr();
        long b = pool.alloc(Gfp.GFP_KERNEL).orElseThrow().cpuAddr();
        assertEquals(16, Math.abs(b - a), "next pointer + dma address; 6.1 put them 4 B apart");
    }

    @ParameterizedTest(name = "create({0}, {1}, {2}) -> NULL")
    @CsvSource({"64, 3, 0", "64, 64, 32", "64, 64, 100", "0, 8, 0"})
    void invalidParametersStillGiveNull(long size, long align, long boundary) {
        Optional<DmaPool> pool = f.pools.create("bad", f.dev, size, align, boundary);
        assertTrue(pool.isEmpty());
    }

    @Test
    void freedBlocksComeBackLastFreedFirstAcrossPagesThenTheNewestPagesUnusedOnesThenANewPage() {
        DmaPool pool = f.create("reuse", 64, 64, 0);
        long[][] b = Fixture.allocN(pool, 130);
        assertEquals(3, pool.pages());
        for (int nth : new int[] {10, 20, 30, 70, 129}) {
            pool.free(b[0][nth - 1], b[1][nth - 1]);
        }
        long[] again = new long[7];
        for (int i = 0; i < again.length; i++) {
            again[i] = pool.alloc(Gfp.GFP_KERNEL).orElseThrow().cpuAddr();
        }
        long third = b[0][128]; // the 129th block is the first of the third page
        assertArrayEquals(new long[] {b[0][128], b[0][69], b[0][29], b[0][19], b[0][9], third + 2 * 64, third + 3 * 64},
            again);
        assertEquals(3, pool.pages());
        Fixture.allocN(pool, 62 - 2);
        assertEquals(3, pool.pages());
        pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(4, pool.pages(), "only then a new page");
    }
}
