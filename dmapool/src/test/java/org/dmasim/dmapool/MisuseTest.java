package org.dmasim.dmapool;

import org.dmasim.testing.Gfps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.dmapool.DmaBlock;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.LogLine.Level;
import org.junit.jupiter.api.Test;

/**
 * Every refused dma_pool call: the message (as the kernel prints it, or as a dmasim line where
 * that kernel would not notice) and no change of state, checked by the pools line and by the
 * next allocation returning the block it would have returned anyway.
 */
class MisuseTest {
    private static String p(long v) {
        return String.format("0x%016x", v);
    }

    /** Runs the refused call and checks that the pool looks and behaves exactly as before. */
    private static String refused(DmaPool pool, Runnable call) {
        String line = pool.poolsLine();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertEquals(line, pool.poolsLine());
        return e.getMessage();
    }

    private static void nextAllocIs(DmaPool pool, DmaBlock expected) {
        assertEquals(expected, pool.alloc(Gfp.GFP_KERNEL).orElseThrow());
    }

    @Test
    void badDma_v6_1_printsTheKernelLine() {
        Fixture f = new Fixture("6.1");
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        DmaBlock b = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        pool.free(b);
        String msg = refused(pool, () -> pool.free(a.cpuAddr(), 0x1234_5000L));
        String expected = "platform nc: dma_pool_free p, " + p(a.cpuAddr()) + "/0x0000000012345000 (bad dma)";
        assertEquals(expected, msg);
        assertEquals(List.of(expected), f.lines(Level.ERR));
        nextAllocIs(pool, b);
    }

    @Test
    void doubleFree_v6_1_withoutDebug_isADmasimLine_withDebug_theKernelLine() {
        for (boolean debug : new boolean[] {false, true}) {
            Fixture f = new Fixture("6.1", debug);
            DmaPool pool = f.create("p", 64, 64, 0);
            DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
            DmaBlock b = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
            pool.free(a);
            String msg = refused(pool, () -> pool.free(a));
            String text = "platform nc: dma_pool_free p, dma " + p(a.dmaHandle()) + " already free";
            assertTrue(msg.startsWith(text), msg);
            assertEquals(debug ? List.of(text) : List.of(), f.lines(Level.ERR));
            assertEquals(debug ? 0 : 1, f.lines(Level.DMASIM).size());
            nextAllocIs(pool, a);
            pool.free(b);
        }
    }

    @Test
    void badVaddr_v6_1_debug() {
        Fixture f = new Fixture("6.1", true);
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        DmaBlock b = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        String msg = refused(pool, () -> pool.free(b.cpuAddr(), a.dmaHandle()));
        assertEquals("platform nc: dma_pool_free p, " + p(b.cpuAddr()) + " (bad vaddr)/" + p(a.dmaHandle()), msg);
        assertEquals(List.of(msg), f.lines(Level.ERR));
        pool.free(a);
        nextAllocIs(pool, a);
    }

    @Test
    void freeToAnotherPool_isBadDma_inBothVersions() {
        for (String v : new String[] {"6.1", "6.4"}) {
            Fixture f = new Fixture(v, true);
            DmaPool one = f.create("one", 64, 64, 0);
            DmaPool two = f.create("two", 64, 64, 0);
            DmaBlock a = one.alloc(Gfp.GFP_KERNEL).orElseThrow();
            DmaBlock t = two.alloc(Gfp.GFP_KERNEL).orElseThrow();
            String msg = refused(two, () -> two.free(a));
            String func = v.equals("6.1") ? "dma_pool_free" : "pool_block_err";
            assertEquals("platform nc: " + func + " two, " + p(a.cpuAddr()) + "/" + p(a.dmaHandle()) + " (bad dma)", msg);
            assertEquals(1, one.blocksInUse());
            assertEquals(1, two.blocksInUse());
            one.free(a);
            two.free(t);
        }
    }

    @Test
    void noValidation_v6_4_withoutDebug_stillRefused_asDmasimLines() {
        Fixture f = new Fixture("6.4");
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        DmaBlock b = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        pool.free(b);
        String bad = refused(pool, () -> pool.free(a.cpuAddr(), 0x10L));
        assertTrue(bad.contains("pool_block_err p, " + p(a.cpuAddr()) + "/0x0000000000000010 (bad dma)"), bad);
        assertTrue(bad.contains("checks nothing without DMAPOOL_DEBUG"), bad);
        String twice = refused(pool, () -> pool.free(b));
        assertTrue(twice.contains("pool_block_err p, dma " + p(b.dmaHandle()) + " already free"), twice);
        assertEquals(List.of(), f.lines(Level.ERR));
        assertEquals(2, f.lines(Level.DMASIM).size());
        nextAllocIs(pool, b);
    }

    @Test
    void doubleFree_v6_4_debug_printsPoolBlockErr() {
        Fixture f = new Fixture("6.4", true);
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        pool.free(a);
        String msg = refused(pool, () -> pool.free(a));
        assertEquals("platform nc: pool_block_err p, dma " + p(a.dmaHandle()) + " already free", msg);
        assertEquals(List.of(msg), f.lines(Level.ERR));
        nextAllocIs(pool, a);
    }

    @Test
    void mismatchedPairAndInteriorAddress_areRefused_inBoth() {
        for (String v : new String[] {"6.1", "6.4"}) {
            Fixture f = new Fixture(v);
            DmaPool pool = f.create("p", 64, 64, 0);
            DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
            DmaBlock b = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
            refused(pool, () -> pool.free(a.cpuAddr(), b.dmaHandle()));
            String inner = refused(pool, () -> pool.free(a.cpuAddr() + 8, a.dmaHandle() + 8));
            assertTrue(inner.contains("(not the start of a block)"), inner);
            pool.free(b);
            nextAllocIs(pool, b);
        }
    }

    @Test
    void destroyBusy_v6_1_perBusyPage_idlePagesFreed_busyLeaked() {
        Fixture f = new Fixture("6.1");
        DmaPool pool = f.create("p", 64, 64, 0);
        long[][] b = Fixture.allocN(pool, 63 * 3);
        // page 2 (the middle one) becomes idle; pages 1 and 3 stay busy
        for (int i = 63; i < 126; i++) {
            pool.free(b[0][i], b[1][i]);
        }
        long page1 = b[0][0];
        long page3 = b[0][126];
        pool.destroy();
        assertEquals(List.of("platform nc: dma_pool_destroy p, " + p(page3) + " busy",
            "platform nc: dma_pool_destroy p, " + p(page1) + " busy"), f.lines(Level.ERR));
        assertEquals(List.of(page1, page3), f.dma.allocations().stream().map(c -> c.cpuAddr()).sorted().toList());
        assertTrue(f.pools.poolsFile(f.dev).isEmpty());
        assertTrue(pool.destroyed());
    }

    @Test
    void destroyBusy_v6_4_oneLine_allPagesLeaked() {
        Fixture f = new Fixture("6.4");
        DmaPool pool = f.create("p", 64, 64, 0);
        long[][] b = Fixture.allocN(pool, 64 * 3);
        for (int i = 1; i < 192; i++) {
            pool.free(b[0][i], b[1][i]);
        }
        pool.destroy();
        assertEquals(List.of("platform nc: dma_pool_destroy p busy"), f.lines(Level.ERR));
        assertEquals(3, f.dma.allocations().size());
    }

    @Test
    void destroyIdle_freesEveryChunk_inBoth() {
        for (String v : new String[] {"6.1", "6.4"}) {
            Fixture f = new Fixture(v);
            DmaPool pool = f.create("p", 64, 64, 0);
            long[][] b = Fixture.allocN(pool, 200);
            for (int i = 0; i < 200; i++) {
                pool.free(b[0][i], b[1][i]);
            }
            pool.destroy();
            assertEquals(List.of(), f.dma.allocations());
            assertEquals(List.of(), f.lines(Level.ERR));
        }
    }

    @Test
    void useAfterDestroy_andDestroyTwice_areRefused() {
        for (String v : new String[] {"6.1", "6.4"}) {
            Fixture f = new Fixture(v);
            DmaPool pool = f.create("p", 64, 64, 0);
            DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
            pool.free(a);
            pool.destroy();
            long calls = f.dma.allocCalls;
            assertTrue(assertThrows(IllegalArgumentException.class, () -> pool.alloc(Gfp.GFP_KERNEL)).getMessage()
                .contains("dma_pool_alloc p: pool was destroyed"));
            assertThrows(IllegalArgumentException.class, () -> pool.free(a));
            assertTrue(assertThrows(IllegalArgumentException.class, pool::destroy).getMessage()
                .contains("pool already destroyed"));
            assertEquals(calls, f.dma.allocCalls);
        }
    }

    @Test
    void chunkAllocationFailure_returnsNull_andKeepsThePool() {
        for (String v : new String[] {"6.1", "6.4"}) {
            Fixture f = new Fixture(v);
            DmaPool pool = f.create("p", 2048, 2048, 0);
            f.dma.pageLimit = 1;
            assertTrue(pool.alloc(Gfps.GFP_ATOMIC).isPresent());
            int expectedBlocks = v.equals("6.1") ? 1 : 2;
            for (int i = 1; i < expectedBlocks; i++) {
                assertTrue(pool.alloc(Gfps.GFP_ATOMIC).isPresent());
            }
            assertTrue(pool.alloc(Gfps.GFP_ATOMIC).isEmpty());
            assertEquals(1, pool.pages());
            assertEquals(expectedBlocks, pool.blocksInUse());
        }
    }

    @Test
    void handleSlotOutOfRange_isRefusedBeforeAnything() {
        Fixture f = new Fixture("6.4");
        DmaPool pool = f.create("p", 64, 64, 0);
        assertThrows(IndexOutOfBoundsException.class, () -> pool.alloc(Gfp.GFP_KERNEL, new long[1], 1));
        assertEquals(0, pool.pages());
    }
}
