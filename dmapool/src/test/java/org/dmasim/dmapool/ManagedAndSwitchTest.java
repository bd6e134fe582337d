package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.dmasim.api.dmapool.DmaBlock;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPoolBackend;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.LogLine.Level;
import org.dmasim.testing.FakeDevice;
import org.dmasim.testing.FakeDma;
import org.junit.jupiter.api.Test;

class ManagedAndSwitchTest {
    @Test
    void managed_plainDestroyRefused_releaseAtDetach_newestFirst() {
        Fixture f = new Fixture("6.1");
        DmaPool m1 = f.pools.createManaged("m1", f.dev, 64, 64, 0).orElseThrow();
        DmaPool m2 = f.pools.createManaged("m2", f.dev, 64, 64, 0).orElseThrow();
        DmaPool u = f.create("u", 64, 64, 0);
        m1.alloc(Gfp.GFP_KERNEL).orElseThrow();
        m2.alloc(Gfp.GFP_KERNEL).orElseThrow();
        assertTrue(m1.managed());
        assertFalse(u.managed());
        String file = f.pools.poolsFile(f.dev).orElseThrow();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, m1::destroy);
        assertTrue(e.getMessage().contains("dmam_pool_create"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> f.pools.destroyManaged(u));
        assertEquals(file, f.pools.poolsFile(f.dev).orElseThrow());
        assertEquals(List.of(u, m2, m1), f.pools.pools(f.dev));

        assertEquals(2, f.pools.releaseManaged(f.dev));
        assertEquals(List.of("platform nc: dma_pool_destroy m2, " + String.format("0x%016x", pageOf(m2, f)) + " busy",
            "platform nc: dma_pool_destroy m1, " + String.format("0x%016x", pageOf(m1, f)) + " busy"),
            f.lines(Level.ERR));
        assertTrue(m1.destroyed() && m2.destroyed());
        assertEquals(List.of(u), f.pools.pools(f.dev));
        assertEquals(0, f.pools.releaseManaged(f.dev));
        assertThrows(IllegalArgumentException.class, () -> m2.alloc(Gfp.GFP_KERNEL));
    }

    private static long pageOf(DmaPool pool, Fixture f) {
        // first chunk allocated for the pool: m1 took the first page, m2 the second
        return f.dma.allocations().get(pool.name().equals("m1") ? 0 : 1).cpuAddr();
    }

    @Test
    void destroyManaged_destroysAndRemovesTheDevresEntry() {
        Fixture f = new Fixture("6.4");
        DmaPool m = f.pools.createManaged("m", f.dev, 64, 64, 0).orElseThrow();
        f.pools.destroyManaged(m);
        assertTrue(m.destroyed());
        assertTrue(f.pools.poolsFile(f.dev).isEmpty());
        assertEquals(0, f.pools.releaseManaged(f.dev));
        assertThrows(IllegalArgumentException.class, () -> f.pools.destroyManaged(m));
    }

    @Test
    void useBackend_newPoolsOnly_livePoolsKeepTheirs() {
        Fixture f = new Fixture("6.1");
        DmaPool old = f.create("old", 64, 64, 0);
        long[][] live = Fixture.allocN(old, 64);
        f.pools.useBackend("6.4");
        assertEquals("6.4", f.pools.backendVersion());
        DmaPool fresh = f.create("new", 64, 64, 0);
        Fixture.allocN(fresh, 64);
        assertEquals("6.1", old.backendVersion());
        assertEquals("6.4", fresh.backendVersion());
        assertEquals(2, old.pages());
        assertEquals(1, fresh.pages());
        Fixture.allocN(old, 62);
        assertEquals(2, old.pages());
        assertEquals("poolinfo - 0.1\nnew                64   64   64  1\nold               126  128   64  2\n",
            f.pools.poolsFile(f.dev).orElseThrow());
        for (int i = 0; i < 64; i++) {
            old.free(live[0][i], live[1][i]);
        }
        assertEquals(62, old.blocksInUse());
    }

    @Test
    void useBackend_unknown_namesTheAllowedVersions() {
        Fixture f = new Fixture("6.1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.pools.useBackend("7.0"));
        assertEquals("dma_pool backend: 7.0 (expected: one of 6.1, 6.4)", e.getMessage());
        assertEquals("6.1", f.pools.backendVersion());
        assertEquals(List.of("6.1", "6.4"), f.pools.backendVersions());
    }

    @Test
    void backendGone_livePoolsKeepWorking_newPoolsFailClearly() {
        Map<String, DmaPoolBackend> bound = new ConcurrentHashMap<>(Map.of("6.1", new DmapoolV6_1Backend(), "6.4",
            new DmapoolV6_4Backend()));
        FakeDma dma = new FakeDma();
        DmaPools pools = new DmaPoolsService(dma, new BootLog(), false, Backends.of(bound), "6.4");
        FakeDevice dev = new FakeDevice("d", 0);
        DmaPool pool = pools.create("p", dev, 32, 32, 0).orElseThrow();
        DmaBlock a = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        bound.remove("6.4");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pools.create("q", dev, 32, 32, 0));
        assertTrue(e.getMessage().contains("backend 6.4 is no longer registered (registered: 6.1"), e.getMessage());
        pool.free(a);
        assertEquals(a, pool.alloc(Gfp.GFP_KERNEL).orElseThrow());
        pools.useBackend("6.1");
        assertEquals("6.1", pools.create("q", dev, 32, 32, 0).orElseThrow().backendVersion());
    }

    @Test
    void poolsFile_isPerDevice_andDisappearsWithTheLastPool() {
        Fixture f = new Fixture("6.1");
        FakeDevice other = new FakeDevice("other", 0);
        DmaPool a = f.create("a", 16, 16, 0);
        DmaPool b = f.pools.create("b", other, 16, 16, 0).orElseThrow();
        assertEquals("poolinfo - 0.1\nb                   0    0   16  0\n", f.pools.poolsFile(other).orElseThrow());
        b.destroy();
        assertTrue(f.pools.poolsFile(other).isEmpty());
        assertEquals(List.of(a), f.pools.pools());
    }

    @Test
    void name_isTruncatedTo31Characters() {
        Fixture f = new Fixture("6.4");
        DmaPool pool = f.create("0123456789abcdef0123456789abcdefXYZ", 16, 16, 0);
        assertEquals("0123456789abcdef0123456789abcde", pool.name());
    }
}
