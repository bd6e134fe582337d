package org.dmasim.platform.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.dmasim.api.mem.CacheEviction;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.PhysMemory;
import org.junit.jupiter.api.Test;

/**
 * Random operations on the cache against a plain reference model (one flat array for RAM, one
 * for the cached bytes, three booleans per line), over a few pages so that ranges cross page
 * and line boundaries: every read returns what the model returns, and the counters agree.
 * The seed is printed; rerun one with {@code -Ddmasim.seed=N}.
 */
class DataCacheModelTest {
    static final int PAGES = 4;
    static final int SIZE = PAGES * 4096;
    static final int LINES = SIZE / 64;

    /** The reference: everything per line, no bitmaps, no sparseness. */
    static final class Model {
        final byte[] ram = new byte[SIZE];
        final byte[] cached = new byte[SIZE];
        final boolean[] present = new boolean[LINES];
        final boolean[] dirty = new boolean[LINES];
        final boolean[] changed = new boolean[LINES];
        long fills;
        long cleaned;
        long invalidated;
        long discarded;
        long staleCpu;
        long staleDevice;

        private void fill(int l) {
            System.arraycopy(ram, l * 64, cached, l * 64, 64);
            present[l] = true;
            dirty[l] = false;
            changed[l] = false;
            fills++;
        }

        private boolean differs(int l, int a, int n) {
            int from = Math.max(a, l * 64);
            int to = Math.min(a + n, l * 64 + 64);
            return Arrays.mismatch(cached, from, to, ram, from, to) >= 0;
        }

        byte[] cpuRead(int a, int n) {
            for (int l = a / 64; l <= (a + n - 1) / 64; l++) {
                if (!present[l]) {
                    fill(l);
                } else if (changed[l] && differs(l, a, n)) {
                    staleCpu++;
                }
            }
            return Arrays.copyOfRange(cached, a, a + n);
        }

        void cpuWrite(int a, byte[] src) {
            int n = src.length;
            for (int l = a / 64; l <= (a + n - 1) / 64; l++) {
                boolean whole = a <= l * 64 && a + n >= l * 64 + 64;
                if (!present[l] && !whole) {
                    fill(l);
                }
                present[l] = true;
                dirty[l] = true;
                if (whole) {
                    changed[l] = false;
                }
            }
            System.arraycopy(src, 0, cached, a, n);
        }

        byte[] deviceRead(int a, int n, boolean snoop) {
            byte[] out = Arrays.copyOfRange(ram, a, a + n);
            for (int l = a / 64; l <= (a + n - 1) / 64; l++) {
                if (!dirty[l]) {
                    continue;
                }
                if (snoop) {
                    int from = Math.max(a, l * 64);
                    int to = Math.min(a + n, l * 64 + 64);
                    System.arraycopy(cached, from, out, from - a, to - from);
                } else if (differs(l, a, n)) {
                    staleDevice++;
                }
            }
            return out;
        }

        void deviceWrite(int a, byte[] src, boolean snoop) {
            int n = src.length;
            System.arraycopy(src, 0, ram, a, n);
            for (int l = a / 64; l <= (a + n - 1) / 64; l++) {
                if (!present[l]) {
                    continue;
                }
                boolean whole = a <= l * 64 && a + n >= l * 64 + 64;
                if (snoop) {
                    int from = Math.max(a, l * 64);
                    int to = Math.min(a + n, l * 64 + 64);
                    System.arraycopy(src, from - a, cached, from, to - from);
                    if (whole) {
                        changed[l] = false;
                    }
                } else {
                    changed[l] = true;
                }
            }
        }

        void maintain(int a, int n, boolean clean, boolean drop) {
            for (int l = a / 64; l <= (a + n - 1) / 64; l++) {
                if (!present[l]) {
                    continue;
                }
                if (clean && dirty[l]) {
                    System.arraycopy(cached, l * 64, ram, l * 64, 64);
                    dirty[l] = false;
                    changed[l] = false;
                    cleaned++;
                }
                if (drop) {
                    invalidated++;
                    discarded += dirty[l] ? 1 : 0;
                    present[l] = false;
                    dirty[l] = false;
                    changed[l] = false;
                }
            }
        }
    }

    /** Overlapping copies through the CPU and in RAM move the bytes as memmove does, both directions. */
    @Test
    void cpuMemmoveMovesTheBytes() {
        Random r = new Random(7);
        for (int[] c : new int[][] {{100, 300, 1000}, {300, 100, 1000}, {10, 4000, 9000}, {4000, 10, 9000},
            {4090, 4100, 64}, {4100, 4090, 64}, {0, 1, SIZE - 1}, {1, 0, SIZE - 1}}) {
            for (boolean viaRam : new boolean[] {false, true}) {
                DataCache cache = DataCacheTest.cache(CacheEviction.NONE);
                PhysMemory mem = viaRam ? cache.ram() : cache.cpu();
                byte[] expected = new byte[SIZE];
                r.nextBytes(expected);
                mem.write(DataCacheTest.BUF, expected);
                mem.copy(DataCacheTest.BUF + c[1], DataCacheTest.BUF + c[0], c[2]);
                System.arraycopy(expected, c[0], expected, c[1], c[2]);
                assertArrayEquals(expected, mem.read(DataCacheTest.BUF, SIZE), "memmove " + Arrays.toString(c)
                    + (viaRam ? " in RAM" : " through the CPU"));
            }
        }
    }

    @Test
    void randomOperationsMatchTheReferenceModel() {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("DataCacheModelTest seed=" + seed);
        Random r = new Random(seed);
        int ops = Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 100_000;
        DataCache cache = DataCacheTest.cache(CacheEviction.NONE);
        Model m = new Model();
        long base = DataCacheTest.BUF;
        for (int i = 0; i < ops; i++) {
            int n = 1 + (r.nextInt(4) == 0 ? r.nextInt(SIZE) : r.nextInt(200));
            int a = r.nextInt(SIZE - n + 1);
            byte[] data = new byte[n];
            if (r.nextInt(4) != 0) {
                r.nextBytes(data);
            }
            String what = "op " + i + " seed " + seed;
            switch (r.nextInt(12)) {
                case 0, 1 -> assertArrayEquals(m.cpuRead(a, n), cache.cpu().read(base + a, n), what);
                case 2, 3 -> {
                    m.cpuWrite(a, data);
                    cache.cpu().write(base + a, data);
                }
                case 4 -> {
                    boolean snoop = r.nextBoolean();
                    assertArrayEquals(m.deviceRead(a, n, snoop), cache.device(snoop).read(base + a, n), what);
                }
                case 5 -> {
                    boolean snoop = r.nextBoolean();
                    m.deviceWrite(a, data, snoop);
                    cache.device(snoop).write(base + a, data);
                }
                case 6 -> {
                    m.maintain(a, n, true, false);
                    cache.clean(base + a, n);
                }
                case 7 -> {
                    m.maintain(a, n, false, true);
                    cache.invalidate(base + a, n);
                }
                case 8 -> {
                    m.maintain(a, n, true, true);
                    cache.cleanInvalidate(base + a, n);
                }
                case 9 -> {
                    // memcpy through the CPU (a bounce copy): a load of the whole source, then a
                    // store; ranges apart (overlapping memmove: cpuMemmoveMovesTheBytes).
                    int b = r.nextInt(SIZE - n + 1);
                    if (b < a + n && a < b + n) {
                        continue;
                    }
                    m.cpuWrite(b, m.cpuRead(a, n));
                    cache.cpu().copy(base + b, base + a, n);
                }
                case 10 -> {
                    int b = r.nextInt(SIZE - n + 1);
                    // memmove in RAM itself (no cache involved): page to page in the sparse RAM.
                    System.arraycopy(m.ram, a, m.ram, b, n);
                    cache.ram().copy(base + b, base + a, n);
                }
                default -> {
                    // A zero fill through the CPU: the path that keeps pages without line bytes.
                    byte[] zeros = new byte[n];
                    m.cpuWrite(a, zeros);
                    cache.cpu().fill(base + a, n, (byte) 0);
                }
            }
        }
        PhysMemory ram = cache.ram();
        assertArrayEquals(m.ram, ram.read(base, SIZE), "RAM at the end, seed " + seed);
        CacheStats s = cache.stats();
        long present = 0;
        long dirty = 0;
        for (int l = 0; l < LINES; l++) {
            present += m.present[l] ? 1 : 0;
            dirty += m.dirty[l] ? 1 : 0;
        }
        assertEquals(new CacheStats(m.fills, m.cleaned, m.invalidated, m.discarded, 0, 0, m.staleCpu, m.staleDevice,
            present, dirty), s, "counters, seed " + seed);
    }
}
