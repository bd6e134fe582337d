package org.dmasim.atomicpool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GenPoolTest {
    static final long K = 1024;
    static final long VIRT = 0xffff800008000000L;
    static final long PHYS = 0xfc080000L;

    private static GenPool pool(long chunkSize) {
        GenPool p = new GenPool("test", 12);
        p.addVirt(VIRT, PHYS, chunkSize);
        return p;
    }

    @Test
    void firstFitOrderAlignAlignsToThePowerOfTwoAboveTheRequestInGranules() {
        GenPool p = pool(512 * K);
        assertEquals(VIRT, p.alloc(4 * K));
        // 20 KiB = 5 granules, aligned to 8 granules: the first free 8-granule boundary is 32 KiB.
        assertEquals(VIRT + 32 * K, p.alloc(20 * K));
        // Single granules fill the hole below it, first fit.
        assertEquals(VIRT + 4 * K, p.alloc(4 * K));
        // 8 KiB aligned to 8 KiB: bits 2-3.
        assertEquals(VIRT + 8 * K, p.alloc(8 * K));
        // 12 KiB = 3 granules aligned to 4: bits 4-6 are free (16 KiB).
        assertEquals(VIRT + 16 * K, p.alloc(12 * K));
        assertEquals(512 * K - (4 + 20 + 4 + 8 + 12) * K, p.avail());
        assertEquals(512 * K, p.size());
    }

    @Test
    void sizesRoundUpToWholeGranules() {
        GenPool p = pool(64 * K);
        long a = p.alloc(1);
        long b = p.alloc(5000);
        assertEquals(VIRT, a);
        // 5000 bytes = 2 granules, aligned to 2.
        assertEquals(VIRT + 8 * K, b);
        assertEquals(64 * K - 4 * K - 8 * K, p.avail());
        p.free(b, 5000);
        p.free(a, 1);
        assertEquals(64 * K, p.avail());
    }

    @Test
    void newestChunkIsSearchedFirstAsListAddRcuPutsItAtTheHead() {
        GenPool p = pool(512 * K);
        long virt2 = VIRT + 0x81000;
        p.addVirt(virt2, 0xfc180000L, 512 * K);
        assertEquals(virt2, p.alloc(4 * K));
        assertEquals(0xfc180000L, p.virtToPhys(virt2));
        assertEquals(List.of(virt2, VIRT), p.chunks().stream().map(GenPool.ChunkInfo::virt).toList());
        // The old chunk serves only what the new one cannot hold.
        assertEquals(virt2 + 512 * K / 2, p.alloc(256 * K));
        assertEquals(VIRT, p.alloc(256 * K));
    }

    @Test
    void chunkWithEnoughAvailableBytesButNoAlignedRunIsSkipped() {
        GenPool p = pool(16 * K);
        long a = p.alloc(4 * K);
        long b = p.alloc(4 * K);
        p.free(a, 4 * K);
        assertEquals(12 * K, p.avail());
        // 3 granules need a start at a multiple of 4; bit 1 is busy and bit 4 is past the end.
        assertEquals(0, p.alloc(12 * K));
        assertEquals(12 * K, p.avail());
        assertEquals(VIRT + 4 * K, b);
    }

    @Test
    void zeroSizeFailsLikeGenPoolAllocAndNegativeSizeIsRejected() {
        GenPool p = pool(16 * K);
        assertEquals(0, p.alloc(0));
        assertEquals(0, p.alloc(17 * K));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.alloc(-1));
        assertTrue(e.getMessage().contains("negative size"), e.getMessage());
        assertEquals(16 * K, p.avail());
    }

    @Test
    void virtToPhysAndHasAddr() {
        GenPool p = pool(512 * K);
        p.addVirt(VIRT + 0x81000, 0xfc180000L, 512 * K);
        assertEquals(PHYS + 0x1234, p.virtToPhys(VIRT + 0x1234));
        assertEquals(-1, p.virtToPhys(VIRT + 512 * K));
        assertEquals(-1, p.virtToPhys(VIRT - 1));
        assertTrue(p.hasAddr(VIRT, 512 * K));
        assertFalse(p.hasAddr(VIRT, 512 * K + 1));
        assertFalse(p.hasAddr(VIRT + 512 * K, 4 * K), "the guard page between the chunks");
        assertFalse(p.hasAddr(VIRT, 0));
        assertTrue(p.hasAddr(VIRT + 0x81000 + 512 * K - 1, 1));
    }

    @Test
    void freeThatIsNotExactlyAnAllocatedBlockIsRejectedAndChangesNothing() {
        GenPool p = pool(64 * K);
        long a = p.alloc(20 * K);
        long avail = p.avail();
        assertMisuse(p, a + 4 * K, 4 * K, "not the start of an allocated block");
        assertMisuse(p, a + 1, 4 * K, "not the start of an allocated block");
        assertMisuse(p, a, 4 * K, "the block there is 20480 bytes, not 4096");
        assertMisuse(p, a, 32 * K, "the block there is 20480 bytes, not 32768");
        assertMisuse(p, a + 48 * K, 32 * K, "runs past the chunk end");
        assertMisuse(p, VIRT + 64 * K, 4 * K, "address is in no chunk");
        assertMisuse(p, a, 0, "size must be positive");
        assertEquals(avail, p.avail());
        // The block is intact: the same request lands after it, then the real free works.
        assertEquals(a + 32 * K, p.alloc(20 * K));
        p.free(a, 20 * K);
        assertMisuse(p, a, 20 * K, "not the start of an allocated block");
        p.free(a + 32 * K, 20 * K);
        assertEquals(64 * K, p.avail());
    }

    private static void assertMisuse(GenPool p, long addr, long size, String rule) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.free(addr, size));
        assertTrue(e.getMessage().contains(rule), e.getMessage());
        assertTrue(e.getMessage().contains(String.format("%#x", addr)), e.getMessage());
    }

    @Test
    void addVirtRejectsBadChunks() {
        GenPool p = pool(64 * K);
        assertThrows(IllegalArgumentException.class, () -> p.addVirt(VIRT + 0x100000, PHYS, 0));
        assertThrows(IllegalArgumentException.class, () -> p.addVirt(VIRT + 0x100000, PHYS, 6000));
        assertThrows(IllegalArgumentException.class, () -> p.addVirt(0, PHYS, 4 * K));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> p.addVirt(VIRT - 4 * K, PHYS, 8 * K));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> p.addVirt(VIRT + 60 * K, PHYS, 8 * K));
        assertThrows(IllegalArgumentException.class, () -> p.addVirt(VIRT - 4 * K, PHYS, 128 * K));
        assertEquals(1, p.chunks().size());
        assertEquals(64 * K, p.size());
    }

    @Test
    void findNextZeroAreaReportsFailureBeyondTheBitmap() {
        BitSet map = new BitSet();
        map.set(0);
        assertEquals(4, GenPool.firstFitOrderAlign(map, 8, 0, 3));
        assertEquals(1, GenPool.firstFitOrderAlign(map, 8, 0, 1));
        map.set(5);
        assertTrue(GenPool.firstFitOrderAlign(map, 8, 0, 3) >= 8);
        assertEquals(2, GenPool.firstFitOrderAlign(map, 8, 0, 2));
        map.set(2);
        // 1 -> aligned 2 (busy) -> 3 -> aligned 4, but bit 5 is busy -> 6.
        assertEquals(6, GenPool.firstFitOrderAlign(map, 8, 0, 2));
        map.set(7);
        assertEquals(10, GenPool.firstFitOrderAlign(map, 8, 0, 2), "end of the first candidate past the bitmap");
    }

    /**
     * A seeded run of 10^5 random alloc/free against a brute-force model of genalloc (newest
     * chunk first, skip when size > avail, lowest aligned free run): every address must equal
     * the model's, and the pool must be whole again at the end.
     */
    @Test
    void randomSequenceMatchesBruteForceModel() {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("GenPoolTest.randomSequenceMatchesBruteForceModel seed=" + seed);
        Random rnd = new Random(seed);
        GenPool p = new GenPool("random", 12);
        long[] starts = {VIRT, VIRT + 0x100000, VIRT + 0x200000};
        long[] sizes = {256 * K, 128 * K, 512 * K};
        List<boolean[]> model = new ArrayList<>();
        long[] avail = new long[3];
        for (int i = 0; i < 3; i++) {
            p.addVirt(starts[i], PHYS + i * 0x100000L, sizes[i]);
            model.add(0, new boolean[(int) (sizes[i] / (4 * K))]);
        }
        long[] mStart = {starts[2], starts[1], starts[0]};
        long[] mAvail = {sizes[2], sizes[1], sizes[0]};
        List<long[]> live = new ArrayList<>();
        for (int op = 0; op < (Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 100_000); op++) {
            if (!live.isEmpty() && (rnd.nextInt(100) < 45 || live.size() > 200)) {
                long[] b = live.remove(rnd.nextInt(live.size()));
                p.free(b[0], b[1]);
                int c = (int) b[2];
                int nb = (int) ((b[1] + 4 * K - 1) / (4 * K));
                int s = (int) ((b[0] - mStart[c]) / (4 * K));
                for (int j = s; j < s + nb; j++) {
                    model.get(c)[j] = false;
                }
                mAvail[c] += nb * 4 * K;
                continue;
            }
            long size = rnd.nextInt(10) == 0 ? 1 + rnd.nextInt((int) (4 * K) * 3) : (1 + rnd.nextInt(24)) * 4 * K;
            int nb = (int) ((size + 4 * K - 1) / (4 * K));
            int align = Integer.highestOneBit(nb) == nb ? nb : Integer.highestOneBit(nb) << 1;
            long expected = 0;
            int expChunk = -1;
            for (int c = 0; c < 3 && expChunk < 0; c++) {
                if (size > mAvail[c]) {
                    continue;
                }
                boolean[] bits = model.get(c);
                for (int s = 0; s + nb <= bits.length; s += align) {
                    boolean free = true;
                    for (int j = s; j < s + nb && free; j++) {
                        free = !bits[j];
                    }
                    if (free) {
                        expected = mStart[c] + s * 4 * K;
                        expChunk = c;
                        for (int j = s; j < s + nb; j++) {
                            bits[j] = true;
                        }
                        mAvail[c] -= nb * 4 * K;
                        break;
                    }
                }
            }
            long got = p.alloc(size);
            assertEquals(expected, got, "op " + op + " size " + size + " seed " + seed);
            if (got != 0) {
                live.add(new long[] {got, size, expChunk});
            }
        }
        for (long[] b : live) {
            p.free(b[0], b[1]);
        }
        assertEquals(p.size(), p.avail());
        assertEquals(896 * K, p.size());
    }
}
