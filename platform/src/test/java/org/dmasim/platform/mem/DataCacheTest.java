package org.dmasim.platform.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mem.CacheEviction;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.PhysMemory;
import org.junit.jupiter.api.Test;

/** The CPU data cache in front of sparse RAM: what the CPU and devices see, and what maintenance does. */
class DataCacheTest {
    static final long BASE = 0x40000000L;
    static final long BUF = BASE + 0x10000;

    static DataCache cache(CacheEviction eviction) {
        return new DataCache(new SparseRam(List.of(new Memblock.Region(BASE, 1L << 30, 0))), eviction);
    }

    private final DataCache cache = cache(CacheEviction.NONE);
    private final PhysMemory cpu = cache.cpu();
    private final PhysMemory ram = cache.ram();

    static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (seed + i * 7 + 1);
        }
        return b;
    }

    @Test
    void aCpuStoreStaysInTheCacheUntilACleanWritesItBack() {
        byte[] data = pattern(200, 1);
        cpu.write(BUF + 10, data);
        assertArrayEquals(new byte[200], ram.read(BUF + 10, 200), "RAM has not seen the store");
        assertArrayEquals(data, cpu.read(BUF + 10, 200), "the CPU reads its own store");
        assertTrue(cache.line(BUF).dirty());
        assertEquals(4, cache.stats().dirtyLines(), "bytes 10..209 touch four 64-byte lines");
        cache.clean(BUF, 256);
        assertArrayEquals(data, ram.read(BUF + 10, 200));
        assertTrue(cache.line(BUF).present());
        assertFalse(cache.line(BUF).dirty(), "a clean keeps the line, clean");
        CacheStats s = cache.stats();
        assertEquals(4, s.linesCleaned());
        assertEquals(0, s.dirtyLines());
        assertEquals(4, s.presentLines());
    }

    @Test
    void aPartialStoreFillsTheRestOfTheLineFromRam() {
        byte[] old = pattern(64, 9);
        ram.write(BUF, old);
        cpu.write(BUF + 5, new byte[] {42});
        assertEquals(1, cache.stats().lineFills());
        cache.clean(BUF, 1);
        byte[] expected = old.clone();
        expected[5] = 42;
        assertArrayEquals(expected, ram.read(BUF, 64), "the write-back carries the line's other bytes unchanged");
    }

    @Test
    void aDeviceThatDoesNotSnoopReadsStaleRamUnderADirtyLine() {
        PhysMemory dev = cache.device(false);
        cpu.write(BUF, pattern(128, 3));
        assertArrayEquals(new byte[128], dev.read(BUF, 128), "the device reads RAM, not the cache");
        assertEquals(2, cache.stats().staleDeviceReads());
        cache.clean(BUF, 128);
        assertArrayEquals(pattern(128, 3), dev.read(BUF, 128));
        assertEquals(2, cache.stats().staleDeviceReads(), "a read after the clean is not stale");
    }

    @Test
    void theCpuReadsAStaleLineAfterADeviceWroteRamUntilItInvalidates() {
        PhysMemory dev = cache.device(false);
        assertArrayEquals(new byte[64], cpu.read(BUF, 64), "the load fills the line");
        dev.write(BUF, pattern(64, 5));
        assertTrue(cache.line(BUF).ramChanged());
        assertArrayEquals(new byte[64], cpu.read(BUF, 64), "the cached copy hides the device's data");
        assertEquals(1, cache.stats().staleCpuReads());
        cache.invalidate(BUF, 64);
        assertArrayEquals(pattern(64, 5), cpu.read(BUF, 64));
        assertEquals(1, cache.stats().staleCpuReads());
    }

    @Test
    void aDeviceWriteOfTheBytesAlreadyCachedIsNotAStaleRead() {
        cpu.read(BUF, 64);
        cache.device(false).write(BUF, new byte[64]);
        cpu.read(BUF, 64);
        assertEquals(0, cache.stats().staleCpuReads(), "stale means different bytes, not just a write");
    }

    @Test
    void invalidatingADirtyLineLosesTheStore() {
        ram.write(BUF, pattern(64, 2));
        cpu.write(BUF, new byte[64]);
        cache.invalidate(BUF, 64);
        assertArrayEquals(pattern(64, 2), cpu.read(BUF, 64));
        CacheStats s = cache.stats();
        assertEquals(1, s.linesInvalidated());
        assertEquals(1, s.dirtyLinesDiscarded());
    }

    @Test
    void cleanAndInvalidateWritesBackThenDrops() {
        cpu.write(BUF, pattern(64, 4));
        cache.cleanInvalidate(BUF + 63, 1);
        assertArrayEquals(pattern(64, 4), ram.read(BUF, 64));
        assertFalse(cache.line(BUF).present());
        assertEquals(0, cache.cachedPages(), "the empty page leaves the cache");
        CacheStats s = cache.stats();
        assertEquals(1, s.linesCleaned());
        assertEquals(0, s.dirtyLinesDiscarded());
    }

    @Test
    void aSnoopingDeviceSeesDirtyLinesAndUpdatesCachedCopies() {
        PhysMemory dev = cache.device(true);
        cpu.write(BUF, pattern(100, 6));
        assertArrayEquals(pattern(100, 6), dev.read(BUF, 100));
        dev.write(BUF + 50, pattern(100, 8));
        byte[] expected = Arrays.copyOf(pattern(100, 6), 150);
        System.arraycopy(pattern(100, 8), 0, expected, 50, 100);
        assertArrayEquals(expected, cpu.read(BUF, 150));
        cache.clean(BUF, 150);
        assertArrayEquals(expected, ram.read(BUF, 150), "the merged line reaches RAM whole");
        CacheStats s = cache.stats();
        assertEquals(0, s.staleCpuReads() + s.staleDeviceReads());
    }

    @Test
    void aNonCacheableAliasGoesAroundTheCacheAndLeavesItsCopiesStale() {
        cpu.read(BUF, 64);
        cache.uncached().write(BUF, pattern(64, 1));
        assertArrayEquals(pattern(64, 1), cache.uncached().read(BUF, 64));
        assertArrayEquals(new byte[64], cpu.read(BUF, 64), "the linear alias still has the old copy");
        assertEquals(1, cache.stats().staleCpuReads());
    }

    @Test
    void zeroingThroughTheCacheCostsNoLineBytes() {
        cpu.fill(BUF, 1 << 20, (byte) 0);
        assertEquals(256, cache.cachedPages());
        assertEquals(0, cache.cachedDataBytes(), "all-zero pages keep bitmaps only");
        assertEquals(0, ram.materialisedPages());
        cpu.write(BUF, new byte[] {1});
        assertEquals(4096, cache.cachedDataBytes());
    }

    @Test
    void maintenanceOfAHugeRangeVisitsOnlyTheCachedPages() {
        cpu.write(BASE + (512L << 20), pattern(64, 1));
        cache.clean(BASE, 1L << 30);
        assertArrayEquals(pattern(64, 1), ram.read(BASE + (512L << 20), 64));
        assertEquals(1, cache.stats().linesCleaned());
    }

    @Test
    void accessesOutsideRamAreRefusedNamingTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cpu.read(BASE - 64, 128));
        assertTrue(e.getMessage().contains("[mem 0x000000003fffffc0-0x000000004000003f]"), e.getMessage());
        assertEquals(0, cache.cachedPages(), "nothing was cached");
    }

    @Test
    void randomEvictionWritesDirtyLinesBackAndRepeatsForTheSameSeed() {
        CacheStats first = evictionRun(7);
        assertTrue(first.linesEvicted() > 0);
        assertTrue(first.evictionWriteBacks() > 0);
        assertEquals(first, evictionRun(7), "the same seed evicts the same lines");
        DataCache always = cache(new CacheEviction(1, 1.0));
        always.cpu().write(BUF, pattern(64, 1));
        always.cpu().write(BUF + 4096, pattern(64, 2));
        assertEquals(2, always.stats().linesEvicted(), "rate 1 evicts one line per line access");
        assertEquals(0, always.stats().presentLines());
        assertArrayEquals(pattern(64, 1), always.ram().read(BUF, 64), "the evicted dirty line was written back");
    }

    private static CacheStats evictionRun(long seed) {
        DataCache c = cache(new CacheEviction(seed, 0.05));
        for (int i = 0; i < 64; i++) {
            c.cpu().write(BUF + i * 4096L, pattern(4096, i));
        }
        CacheStats s = c.stats();
        // Every byte is still where a reader expects it: the cache, or RAM after a write-back.
        for (int i = 0; i < 64; i++) {
            assertArrayEquals(pattern(4096, i), c.cpu().read(BUF + i * 4096L, 4096));
        }
        return s;
    }

    @Test
    void evictionParsesItsSettingAndRefusesNonsense() {
        assertEquals(new CacheEviction(5, 0.25), CacheEviction.parse("seed=5,rate=0.25"));
        assertEquals(new CacheEviction(5, 0.25), CacheEviction.parse(" rate = 0.25 , seed = 5 "));
        assertEquals(CacheEviction.NONE, CacheEviction.parse("none"));
        assertEquals("seed=5,rate=0.25", new CacheEviction(5, 0.25).toString());
        for (String bad : List.of("", "seed=5", "rate=0.1", "seed=x,rate=0.1", "seed=1,rate=2", "seed=1,rate=NaN",
            "seed=1,rate=0.1,seed=2", "seed=1,rate=0.1,size=3")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CacheEviction.parse(bad),
                bad);
            assertTrue(e.getMessage().contains("expected none or seed=N,rate=R"), e.getMessage());
        }
    }
}
