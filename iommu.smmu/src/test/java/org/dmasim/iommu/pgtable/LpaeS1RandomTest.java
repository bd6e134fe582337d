package org.dmasim.iommu.pgtable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.dmasim.testing.FakePageAllocator;
import org.junit.jupiter.api.Test;

/**
 * Seeded random maps and unmaps against a model of extents (IOVA range to PA). Maps go to free
 * ranges (mostly in a dense 256 MiB window where tables are shared and emptied tables reused,
 * some 1 GiB-aligned elsewhere), half of them with IOVA and PA equally offset within 2 MiB so
 * that blocks form, a few of 1 GiB; unmaps take a whole extent or a page-aligned part of one
 * (splitting blocks); mapping a mapped page must be -EEXIST and unmapping an unmapped one 0.
 * After each op iova_to_phys is compared with the model at the op's edges and at random points;
 * every TLB callback must lie inside the range being unmapped; the table pages the page
 * allocator has out always equal {@code tablePages()}. At the end the leaves {@code dump} lists
 * cover exactly the model, everything is unmapped, freed, and no page is left allocated.
 */
class LpaeS1RandomTest {
    private static final long K4 = 1L << 12;
    private static final long M2 = 1L << 21;
    private static final long G1 = 1L << 30;
    private static final long DENSE_BASE = 0x1_0000_0000L;
    private static final long DENSE_SIZE = 256L << 20;

    private final long seed = Long.getLong("dmasim.seed", System.nanoTime());
    private final Random rnd = new Random(seed);
    private final FakePageAllocator fake = FakePageAllocator.oneZone(0x40000, 0xc0000);
    private final DescriptorPages mem = new DescriptorPages(fake);
    /** IOVA start to {end, pa} of every live extent. */
    private final TreeMap<Long, long[]> model = new TreeMap<>();
    private long lo;
    private long hi;
    private long callbacks;

    private final IoPgtableTlb tlb = new IoPgtableTlb() {
        @Override
        public void flushAll() {
            throw new AssertionError("io-pgtable never asks for flush_all");
        }

        @Override
        public void flushWalk(long iova, long size, long granule) {
            inRange(iova, size);
        }

        @Override
        public void addPage(IotlbGather gather, long iova, long granule) {
            inRange(iova, granule);
            gather.addPage(iova, granule, IotlbGather::reset);
        }
    };

    private void inRange(long iova, long size) {
        callbacks++;
        assertTrue(iova >= lo && iova + size <= hi, () -> String.format("callback 0x%x+0x%x outside the unmap"
            + " [0x%x, 0x%x); %s", iova, size, lo, hi, where()));
    }

    private String where() {
        return "seed " + seed + " (rerun with -Ddmasim.seed=" + seed + ")";
    }

    @Test
    void randomMapsAndUnmapsMatchTheModel() {
        System.out.println("LpaeS1RandomTest seed " + seed);
        int ops = Boolean.getBoolean("dmasim.longTests") ? 100_000 : 10_000;
        LpaeS1Pgtable pt = LpaeS1Pgtable.alloc(mem, 48, 48, K4 | M2 | G1, true, tlb);
        int maps = 0;
        int unmaps = 0;
        for (int op = 0; op < ops; op++) {
            int kind = rnd.nextInt(10);
            if (kind < 5 || model.isEmpty()) {
                for (int attempt = 0; attempt < 10; attempt++) {
                    if (tryMap(pt)) {
                        maps++;
                        break;
                    }
                }
            } else if (kind < 9) {
                unmapPart(pt);
                unmaps++;
            } else {
                misuse(pt);
            }
            for (int i = 0; i < 4; i++) {
                checkPoint(pt, randomIova());
            }
            if (!model.isEmpty()) {
                long[] e = model.get(randomKey());
                checkPoint(pt, e[0] - K4);
                checkPoint(pt, e[0] - 1);
                checkPoint(pt, e[0]);
            }
            assertEquals(pt.tablePages(), fake.takenPages(), where());
        }
        assertTrue(maps > ops / 10 && unmaps > ops / 10, "maps " + maps + ", unmaps " + unmaps + "; " + where());

        long mapped = 0;
        for (Map.Entry<Long, long[]> e : model.entrySet()) {
            mapped += e.getValue()[0] - e.getKey();
        }
        long dumped = 0;
        for (String line : pt.dump(0, 1L << 48)) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            dumped += Long.decode(range[1]) - Long.decode(range[0]) + 1;
        }
        assertEquals(mapped, dumped, "the dump's leaves cover the model; " + where());

        for (Map.Entry<Long, long[]> e : new ArrayList<>(model.entrySet())) {
            long size = e.getValue()[0] - e.getKey();
            unmapChecked(pt, e.getKey(), size);
        }
        assertTrue(pt.dump(0, 1L << 48).isEmpty(), where());
        assertTrue(callbacks > 0, where());
        pt.free();
        assertEquals(0, mem.livePages(), where());
        assertEquals(0, fake.takenPages(), "pages leaked; " + where());
    }

    private long randomIova() {
        if (rnd.nextInt(4) == 0 || model.isEmpty()) {
            return DENSE_BASE + (rnd.nextLong() & (DENSE_SIZE - 1));
        }
        long start = randomKey();
        long size = model.get(start)[0] - start;
        return start + (rnd.nextLong() & Long.MAX_VALUE) % (size + 2 * K4) - K4;
    }

    private long randomKey() {
        Long k = model.ceilingKey(DENSE_BASE + (rnd.nextLong() & (DENSE_SIZE - 1)));
        if (k == null) {
            k = model.ceilingKey(rnd.nextBoolean() ? 0 : DENSE_BASE);
        }
        return k == null ? model.firstKey() : k;
    }

    private void checkPoint(LpaeS1Pgtable pt, long iova) {
        if (iova < 0 || iova >= 1L << 48) {
            return;
        }
        Map.Entry<Long, long[]> e = model.floorEntry(iova);
        long want = e != null && iova < e.getValue()[0] ? e.getValue()[1] + (iova - e.getKey()) : 0;
        assertEquals(want, pt.iovaToPhys(iova), () -> String.format("iova_to_phys(0x%x); %s", iova, where()));
    }

    private boolean free(long iova, long size) {
        Map.Entry<Long, long[]> below = model.floorEntry(iova + size - 1);
        return below == null || below.getValue()[0] <= iova;
    }

    private boolean tryMap(LpaeS1Pgtable pt) {
        long size;
        long iova;
        long pa;
        if (rnd.nextInt(50) == 0) {
            size = G1;
            iova = (2 + rnd.nextInt(500)) * G1;
            pa = (1 + rnd.nextInt(1000)) * G1;
        } else {
            size = (1 + rnd.nextInt(1024)) * K4;
            iova = DENSE_BASE + ((rnd.nextLong() & (DENSE_SIZE - 1)) & -K4);
            if (rnd.nextInt(4) == 0) {
                iova &= -M2;
            }
            pa = (rnd.nextLong() & ((1L << 44) - 1)) & -K4;
            if (rnd.nextBoolean()) {
                pa = (pa & -M2) | (iova & (M2 - 1));
            }
            if (iova + size > DENSE_BASE + DENSE_SIZE) {
                return false;
            }
        }
        if (!free(iova, size)) {
            return false;
        }
        lo = iova; // a block over an emptied table flushes its walk: inside the new mapping
        hi = iova + size;
        int prot = rnd.nextBoolean() ? IommuProt.READ | IommuProt.WRITE | IommuProt.CACHE : IommuProt.READ;
        String what = String.format("map 0x%x -> 0x%x size 0x%x; %s", iova, pa, size, where());
        assertEquals(0, pt.map(iova, pa, size, prot, LpaeS1Pgtable.GFP_ATOMIC), what);
        model.put(iova, new long[] {iova + size, pa});
        checkPoint(pt, iova);
        checkPoint(pt, iova + size - 1);
        checkPoint(pt, iova + size);
        checkPoint(pt, iova - 1);
        return true;
    }

    private void unmapPart(LpaeS1Pgtable pt) {
        long start = randomKey();
        long[] e = model.get(start);
        long pages = (e[0] - start) / K4;
        long first = rnd.nextBoolean() ? 0 : (rnd.nextLong() & Long.MAX_VALUE) % pages;
        long n = rnd.nextBoolean() ? pages - first : 1 + (rnd.nextLong() & Long.MAX_VALUE) % (pages - first);
        unmapChecked(pt, start + first * K4, n * K4);
    }

    private void unmapChecked(LpaeS1Pgtable pt, long iova, long size) {
        lo = iova;
        hi = iova + size;
        assertEquals(size, pt.unmap(iova, size, new IotlbGather(rnd.nextBoolean())), () -> String.format(
            "unmap 0x%x size 0x%x; %s", iova, size, where()));
        Map.Entry<Long, long[]> e = model.floorEntry(iova);
        long[] v = model.remove(e.getKey());
        if (e.getKey() < iova) {
            model.put(e.getKey(), new long[] {iova, v[1]});
        }
        if (v[0] > hi) {
            model.put(hi, new long[] {v[0], v[1] + (hi - e.getKey())});
        }
        checkPoint(pt, iova);
        checkPoint(pt, hi - 1);
        checkPoint(pt, iova - 1);
        checkPoint(pt, hi);
    }

    /** Mapping a mapped page is -EEXIST; unmapping an unmapped one returns 0; neither changes anything. */
    private void misuse(LpaeS1Pgtable pt) {
        long iova = randomIova() & -K4;
        if (iova < 0) {
            return;
        }
        long before = pt.tablePages();
        lo = iova;
        hi = iova;
        if (pt.iovaToPhys(iova) != 0) {
            assertEquals(-17, pt.map(iova, 0x1000, K4, IommuProt.READ, LpaeS1Pgtable.GFP_ATOMIC), where());
        } else {
            assertEquals(0, pt.unmap(iova, K4, new IotlbGather(false)), where());
        }
        assertEquals(before, pt.tablePages(), where());
        checkPoint(pt, iova);
    }
}
