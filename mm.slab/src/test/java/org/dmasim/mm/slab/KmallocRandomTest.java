package org.dmasim.mm.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.ZoneType;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.api.slab.Kmalloc;
import org.dmasim.api.slab.KmallocCache;
import org.dmasim.api.slab.KmallocObject;
import org.junit.jupiter.api.Test;

/**
 * Seeded random kmalloc/kfree on four simulated CPUs of a two-bank arm64 board and on x86: no
 * two live objects overlap, every object is aligned as kmalloc promises, holds the bytes written
 * into it until it is freed, comes from ZONE_DMA when asked, and the page allocator, the caches'
 * counts and the live set agree after every phase. ~10^5 operations per platform (10^6 with
 * {@code -Ddmasim.longTests=true}); the seed is printed, rerun one with {@code -Ddmasim.seed=N}.
 */
class KmallocRandomTest {
    private static final int[] GFPS = {Gfp.GFP_KERNEL, Gfp.GFP_NOWAIT, Gfp.GFP_KERNEL | Gfp.GFP_DMA,
        Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE, Gfp.GFP_KERNEL | Gfp.__GFP_ACCOUNT, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO};

    private record Live(long addr, long size, long tag, boolean dma) {
    }

    @Test
    void arm64TwoBanksFourCpus() {
        run("arm64-split-4g");
    }

    @Test
    void x86() {
        run("pc-x86_64");
    }

    /** Linux 6.12 without a swiotlb: the caches aligned to 64, kmalloc-8..32 and -96 sharing larger caches. */
    @Test
    void arm64TwoBanksOn612WithoutSwiotlb() {
        run("arm64-split-4g", Map.of("kernel", "6.12", "cmdline", "swiotlb=noforce"));
    }

    private static void run(String profile) {
        run(profile, Map.of());
    }

    private static void run(String profile, Map<String, String> settings) {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("KmallocRandomTest " + profile + " " + settings + " seed=" + seed);
        int ops = Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 100_000;
        Map<String, String> overrides = new java.util.HashMap<>(settings);
        overrides.put("cpus", "4");
        KmallocTest.Board b = KmallocTest.Board.boot(profile, overrides);
        Kmalloc k = b.k();
        b.buddy().drainAllPages();
        long freeAtStart = b.buddy().freePages();
        Random r = new Random(seed);
        TreeMap<Long, Live> live = new TreeMap<>();
        List<Long> order = new ArrayList<>();
        for (int i = 0; i < ops; i++) {
            SimCpu.bind(r.nextInt(4));
            boolean alloc = live.isEmpty() || r.nextInt(100) < (live.size() < 2000 ? 55 : 45);
            if (alloc) {
                long size = switch (r.nextInt(20)) {
                    case 0 -> 8193 + r.nextInt(60_000);
                    case 1 -> 0;
                    case 2, 3 -> 1 + r.nextInt(8192);
                    default -> 1 + r.nextInt(300);
                };
                int gfp = GFPS[r.nextInt(GFPS.length)];
                long a = k.kmalloc(size, gfp);
                if (size == 0) {
                    assertEquals(Kmalloc.ZERO_SIZE_PTR, a);
                    continue;
                }
                if (a == 0) {
                    fail("kmalloc(" + size + ") failed at op " + i + ", seed " + seed);
                }
                check(b, live, a, size, gfp, i, seed);
                long tag = r.nextLong();
                b.vm().cpuWrite(a, bytes(tag), 0, (int) Math.min(8, size));
                if (size >= 16) {
                    b.vm().cpuWrite(a + size - 8, bytes(~tag));
                }
                live.put(a, new Live(a, size, tag, (gfp & Gfp.__GFP_DMA) != 0));
                order.add(a);
            } else {
                int idx = r.nextInt(order.size());
                long a = order.get(idx);
                order.set(idx, order.get(order.size() - 1));
                order.remove(order.size() - 1);
                Live l = live.remove(a);
                verifyContents(b, l, i, seed);
                k.kfree(a);
            }
            if (i % 20_000 == 19_999) {
                account(b, live, freeAtStart, seed);
            }
        }
        account(b, live, freeAtStart, seed);
        for (long a : order) {
            verifyContents(b, live.get(a), ops, seed);
            k.kfree(a);
        }
        live.clear();
        account(b, live, freeAtStart, seed);
        SimCpu.bind(0);
    }

    private static byte[] bytes(long v) {
        byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (v >>> (8 * i));
        }
        return out;
    }

    private static void check(KmallocTest.Board b, TreeMap<Long, Live> live, long a, long size, int gfp, int op,
        long seed) {
        String where = " (op " + op + ", seed " + seed + ")";
        long ksize = b.k().ksize(a);
        assertTrue(ksize >= size, "ksize " + ksize + " < " + size + where);
        int align = b.k().minAlign();
        if (Long.bitCount(ksize) == 1) {
            align = (int) Math.min(ksize, 1L << 30); // power-of-two classes are naturally aligned
        }
        assertEquals(0, a % Math.min(align, 4096), "alignment of " + Long.toHexString(a) + where);
        var below = live.floorEntry(a);
        if (below != null && below.getKey() + b.k().ksize(below.getKey()) > a) {
            fail("overlap: " + Long.toHexString(a) + " inside " + Long.toHexString(below.getKey()) + where);
        }
        var above = live.ceilingEntry(a);
        if (above != null && a + ksize > above.getKey()) {
            fail("overlap: " + Long.toHexString(a) + "+" + ksize + " over " + Long.toHexString(above.getKey()) + where);
        }
        if ((gfp & Gfp.__GFP_DMA) != 0) {
            long pfn = b.vm().toPhys(a) >>> 12;
            assertEquals(ZoneType.DMA, b.buddy().zoneOf(pfn).orElseThrow(), "GFP_DMA object zone" + where);
        }
        if ((gfp & Gfp.__GFP_ZERO) != 0) {
            assertTrue(java.util.Arrays.equals(new byte[(int) Math.min(size, 64)],
                b.vm().cpuRead(a, (int) Math.min(size, 64))), "kzalloc zeroed" + where);
        }
    }

    /** The tag written at the head (and its complement at the tail) is still there. */
    private static void verifyContents(KmallocTest.Board b, Live l, int op, long seed) {
        long a = l.addr();
        String where = Long.toHexString(a) + " op " + op + " seed " + seed;
        int head = (int) Math.min(8, l.size());
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOf(bytes(l.tag()), head), b.vm().cpuRead(a, head)),
            "head of " + where);
        if (l.size() >= 16) {
            assertTrue(java.util.Arrays.equals(bytes(~l.tag()), b.vm().cpuRead(a + l.size() - 8, 8)), "tail of "
                + where);
        }
    }

    /** Pages: free + slab + large = what was free at the start; objects: the caches count the live set. */
    private static void account(KmallocTest.Board b, TreeMap<Long, Live> live, long freeAtStart, long seed) {
        b.k().checkInvariants();
        long small = live.values().stream().filter(l -> l.size() <= 8192).count();
        long counted = b.k().caches().stream().mapToLong(KmallocCache::allocated).sum();
        assertEquals(small, counted, "live small objects, seed " + seed);
        long large = live.size() - small;
        assertEquals(large, b.k().large().allocations(), "live large allocations, seed " + seed);
        b.buddy().drainAllPages();
        assertEquals(freeAtStart, b.buddy().freePages() + b.k().slabPages() + b.k().large().pages(),
            "page conservation, seed " + seed);
        for (Live l : live.values()) {
            KmallocObject o = b.k().lookup(l.addr()).orElseThrow(() -> new AssertionError("lost " + l));
            assertEquals(l.addr(), o.addr());
        }
    }
}
