package org.dmasim.swiotlb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.api.swiotlb.SwiotlbStats;
import org.dmasim.testing.FakeRam;
import org.junit.jupiter.api.Test;

/**
 * The slot allocator and bounce copies of one pool on their own: the S3 oracle's slot numbers and
 * cursors, the copy rules per direction, partial syncs, alignment and segment rules, areas, the
 * kernel's warnings and their rate limit, and refusals that change nothing.
 */
class IoTlbMemTest {
    static final long POOL = 0xb8000000L;
    static final long HIGH = 0x401280000L;
    private final FakeRam ram = new FakeRam(0x40000000L, 0x480000000L);
    private final BootLog log = new BootLog();
    private final SwiotlbStatics statics = new SwiotlbStatics();
    private final TestDevice nc = new TestDevice("dma-test-nc");

    private IoTlbMem pool(long nslabs, int nareas) {
        return new IoTlbMem("swiotlb", POOL, nslabs, nareas, false, ram, log, statics);
    }

    private static int slot(long tlb) {
        return (int) ((tlb - POOL) >>> 11);
    }

    private static long cursor(IoTlbMem m, int area) {
        return m.stats().areas().get(area).cursor();
    }

    @Test
    void theOracleSequenceGivesItsSlotsCursorsAndUse() {
        IoTlbMem m = pool(32768, 1);
        long[] sizes = {1500, 4096, 8192, 65536, 262144};
        int[] slots = {0, 2, 4, 8, 128};
        long[] used = {1, 3, 7, 39, 167};
        long[] cursors = {1, 4, 8, 40, 256};
        long[] tlb = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            tlb[i] = m.tblMapSingle(nc, HIGH, sizes[i], sizes[i], 0, DmaDirection.TO_DEVICE, 0);
            assertEquals(slots[i], slot(tlb[i]), "size " + sizes[i]);
            assertEquals(used[i], m.used());
            assertEquals(cursors[i], cursor(m, 0));
        }
        assertEquals(SwiotlbPool.MAPPING_ERROR, m.tblMapSingle(nc, HIGH, 266240, 266240, 0, DmaDirection.TO_DEVICE, 0),
            "130 slots never fit a 128-slot segment");
        assertEquals(167, m.used());
        assertEquals(256, cursor(m, 0), "a failed search leaves the cursor");
        assertEquals(List.of("platform dma-test-nc: swiotlb buffer is full (sz: 266240 bytes), total 32768 (slots),"
            + " used 167 (slots)"), log.kernelText());
        long[] after = {166, 164, 160, 128, 0};
        for (int i = 0; i < sizes.length; i++) {
            m.tblUnmapSingle(nc, tlb[i], sizes[i], DmaDirection.TO_DEVICE, 0);
            assertEquals(after[i], m.used());
            assertEquals(256, cursor(m, 0), "unmaps never move the cursor");
        }
        // The in-page offset of the original is not kept (min_align_mask 0); page-size mappings start page aligned.
        long a = m.tblMapSingle(nc, HIGH + 0x123, 1500, 1500, 0, DmaDirection.TO_DEVICE, 0);
        assertEquals(POOL + 256 * 2048L, a);
        m.tblUnmapSingle(nc, a, 1500, DmaDirection.TO_DEVICE, 0);
        long b = m.tblMapSingle(nc, HIGH + 0x900, 4096, 4096, 0, DmaDirection.TO_DEVICE, 0);
        assertEquals(258, slot(b), "a 4 KiB bounce buffer starts on an even slot whatever the original's offset");
        assertEquals(260, cursor(m, 0));
        m.tblUnmapSingle(nc, b, 4096, DmaDirection.TO_DEVICE, 0);
        assertEquals(0, m.used());
        assertArrayEquals(reference(List.of(), 32768), m.freeRuns(), "every counter back to its segment's count");
    }

    /** The free-run counters the kernel's rule gives for the used slots [from, from + n) listed. */
    static int[] reference(List<long[]> usedRuns, int nslabs) {
        boolean[] used = new boolean[nslabs];
        for (long[] r : usedRuns) {
            for (long i = r[0]; i < r[0] + r[1]; i++) {
                used[(int) i] = true;
            }
        }
        int[] list = new int[nslabs];
        for (int i = nslabs - 1; i >= 0; i--) {
            boolean segmentEnd = (i & 127) == 127 || i == nslabs - 1;
            list[i] = used[i] ? 0 : (segmentEnd ? 1 : list[i + 1] + 1);
        }
        return list;
    }

    @Test
    void freeRunCountersFollowMapsAndUnmapsInsideTheirSegments() {
        IoTlbMem m = pool(1024, 1);
        long a = m.tblMapSingle(nc, HIGH, 3000, 3000, 0, DmaDirection.TO_DEVICE, 0); // slots 0-1
        long b = m.tblMapSingle(nc, HIGH, 2048, 2048, 0, DmaDirection.TO_DEVICE, 0); // slot 2
        long c = m.tblMapSingle(nc, HIGH, 40000, 40000, 0, DmaDirection.TO_DEVICE, 0); // 20 slots, page aligned: 4-23
        assertEquals(List.of(0, 2, 4), List.of(slot(a), slot(b), slot(c)));
        int[] l = m.freeRuns();
        assertEquals(List.of(0, 0, 0, 1, 0), List.of(l[0], l[1], l[2], l[3], l[4]), "slot 3 free, one slot to the next used");
        assertEquals(104, l[24], "the rest of the segment");
        m.tblUnmapSingle(nc, b, 2048, DmaDirection.TO_DEVICE, 0);
        assertArrayEquals(reference(List.of(new long[] {0, 2}, new long[] {4, 20}), 1024), m.freeRuns());
        m.tblUnmapSingle(nc, a, 3000, DmaDirection.TO_DEVICE, 0);
        assertArrayEquals(reference(List.<long[]>of(new long[] {4, 20}), 1024), m.freeRuns());
        m.tblUnmapSingle(nc, c, 40000, DmaDirection.TO_DEVICE, 0);
        assertArrayEquals(reference(List.of(), 1024), m.freeRuns());
    }

    @Test
    void mapCopiesOutForEveryDirectionAndTheRestFollowsTheTable() {
        IoTlbMem m = pool(1024, 1);
        for (DmaDirection dir : List.of(DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL)) {
            byte[] orig = pattern(5000, 1);
            ram.write(HIGH, orig);
            long tlb = m.tblMapSingle(nc, HIGH, 5000, 5000, 0, dir, 0);
            assertArrayEquals(orig, ram.read(tlb, 5000), dir + ": map copies the original in, always");

            byte[] cpu = pattern(5000, 2);
            ram.write(HIGH, cpu);
            m.syncSingleForDevice(nc, tlb, 5000, dir);
            byte[] expectBounce = dir == DmaDirection.FROM_DEVICE ? orig : cpu;
            assertArrayEquals(expectBounce, ram.read(tlb, 5000), dir + ": sync for device");

            byte[] dev = pattern(5000, 3);
            ram.write(tlb, dev);
            m.syncSingleForCpu(nc, tlb, 5000, dir);
            byte[] expectOrig = dir == DmaDirection.TO_DEVICE ? cpu : dev;
            assertArrayEquals(expectOrig, ram.read(HIGH, 5000), dir + ": sync for cpu");

            byte[] late = pattern(5000, 4);
            ram.write(tlb, late);
            m.tblUnmapSingle(nc, tlb, 5000, dir, 0);
            assertArrayEquals(dir == DmaDirection.TO_DEVICE ? cpu : late, ram.read(HIGH, 5000), dir + ": unmap");
        }
        long tlb = m.tblMapSingle(nc, HIGH, 100, 100, 0, DmaDirection.FROM_DEVICE, 0);
        byte[] before = ram.read(HIGH, 100);
        ram.write(tlb, pattern(100, 9));
        m.tblUnmapSingle(nc, tlb, 100, DmaDirection.FROM_DEVICE, DmaAttrs.SKIP_CPU_SYNC);
        assertArrayEquals(before, ram.read(HIGH, 100), "SKIP_CPU_SYNC: no copy back at unmap");
        SwiotlbStats.DeviceBounces d = m.stats().devices().get(0);
        assertEquals("dma-test-nc", d.device());
        assertEquals(4, d.maps());
        assertEquals(0, d.live());
        assertEquals(4 + 2, d.copiesToBounce(), "four maps and two syncs for the device");
        assertEquals(3 * 5000 + 100 + 2 * 5000, d.bytesToBounce());
        assertEquals(2 + 2, d.copiesFromBounce(), "syncs for the CPU and unmaps of FROM_DEVICE and BIDIRECTIONAL");
        assertEquals(4 * 5000, d.bytesFromBounce());
    }

    @Test
    void aSyncOfAnySubRangeCopiesThoseBytesOnly() {
        IoTlbMem m = pool(1024, 1);
        ram.write(HIGH, new byte[10000]);
        long tlb = m.tblMapSingle(nc, HIGH, 10000, 10000, 0, DmaDirection.FROM_DEVICE, 0);
        ram.write(tlb, pattern(10000, 7));
        m.syncSingleForCpu(nc, tlb + 5000, 100, DmaDirection.FROM_DEVICE); // inside the third slot
        byte[] now = ram.read(HIGH, 10000);
        byte[] want = new byte[10000];
        System.arraycopy(pattern(10000, 7), 5000, want, 5000, 100);
        assertArrayEquals(want, now);
        assertTrue(log.kernelText().isEmpty());
    }

    @Test
    void aSyncPastTheMappingWarnsOnceAndIsClamped() {
        IoTlbMem m = pool(1024, 1);
        long tlb = m.tblMapSingle(nc, HIGH, 3000, 3000, 0, DmaDirection.BIDIRECTIONAL, 0);
        ram.write(tlb, pattern(4096, 5));
        m.syncSingleForCpu(nc, tlb + 2048, 2048, DmaDirection.BIDIRECTIONAL);
        m.syncSingleForCpu(nc, tlb + 2048, 2048, DmaDirection.BIDIRECTIONAL);
        assertEquals(List.of("platform dma-test-nc: Buffer overflow detected. Allocation size: 952. Mapping size: 2048."),
            log.kernelText(), "dev_WARN_ONCE: once");
        byte[] want = Arrays.copyOfRange(pattern(4096, 5), 2048, 3000);
        assertArrayEquals(want, ram.read(HIGH + 2048, 952), "the copy stops at the end of the mapping");
        assertArrayEquals(new byte[96], ram.read(HIGH + 3000, 96));
    }

    @Test
    void minAlignMaskKeepsTheLowBitsOfTheOriginal() {
        IoTlbMem m = pool(1024, 1);
        nc.minAlignMask = 0xfff; // NVMe
        long tlb = m.tblMapSingle(nc, HIGH + 0x923, 8192, 8192, 0, DmaDirection.TO_DEVICE, 0);
        assertEquals(0x923, tlb & 0xfff, "the bounce buffer has the original's low 12 bits");
        assertEquals(5, m.used(), "the 0x123 offset into the slot costs a fifth slot");
        m.tblUnmapSingle(nc, tlb, 8192, DmaDirection.TO_DEVICE, 0);
        assertEquals(0, m.used());
    }

    @Test
    void aRunNeverCrossesTheDevicesSegmentBoundary() {
        IoTlbMem m = pool(1024, 1);
        nc.segmentBoundary = 0xffff; // 64 KiB: 32 slots
        long a = m.tblMapSingle(nc, HIGH, 2048 * 30, 2048 * 30, 0, DmaDirection.TO_DEVICE, 0);
        long b = m.tblMapSingle(nc, HIGH, 2048 * 4, 2048 * 4, 0, DmaDirection.TO_DEVICE, 0);
        assertEquals(0, slot(a));
        assertEquals(32, slot(b), "slots 30-33 would straddle the 64 KiB boundary");
        assertEquals(36, cursor(m, 0));
    }

    @Test
    void eachCpuStartsInItsOwnAreaAndOverflowsIntoTheNext() {
        IoTlbMem m = pool(1024, 4); // 256 slots per area
        long a = SimCpu.on(2, () -> m.tblMapSingle(nc, HIGH, 2048, 2048, 0, DmaDirection.TO_DEVICE, 0));
        assertEquals(512, slot(a));
        long b = SimCpu.on(7, () -> m.tblMapSingle(nc, HIGH, 2048, 2048, 0, DmaDirection.TO_DEVICE, 0));
        assertEquals(768, slot(b), "cpu 7 & (nareas - 1) = area 3");
        List<Long> fill = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            fill.add(SimCpu.on(3, () -> m.tblMapSingle(nc, HIGH, 262144, 262144, 0, DmaDirection.TO_DEVICE, 0)));
        }
        assertEquals(List.of(768 + 128, 0), fill.stream().map(IoTlbMemTest::slot).toList(),
            "area 3 has one free segment left; the next area to try after it is area 0");
        SwiotlbStats s = m.stats();
        assertEquals(List.of(128L, 0L, 1L, 129L), s.areas().stream().map(SwiotlbStats.Area::used).toList());
        assertEquals(1 + 1 + 128 + 128, s.used());
    }

    @Test
    void theFullWarningIsRateLimitedAndNoWarnSilencesIt() {
        IoTlbMem m = pool(128, 1);
        AtomicLong now = new AtomicLong(1_000_000_000L);
        statics.clock(now::get);
        m.tblMapSingle(nc, HIGH, 262144, 262144, 0, DmaDirection.TO_DEVICE, 0);
        for (int i = 0; i < 12; i++) {
            assertEquals(SwiotlbPool.MAPPING_ERROR, m.tblMapSingle(nc, HIGH, 2048, 2048, 0, DmaDirection.TO_DEVICE, 0));
        }
        assertEquals(SwiotlbPool.MAPPING_ERROR,
            m.tblMapSingle(nc, HIGH, 2048, 2048, 0, DmaDirection.TO_DEVICE, DmaAttrs.NO_WARN));
        assertEquals(10, log.kernelText().size(), "a burst of 10 in 5 s");
        assertEquals("platform dma-test-nc: swiotlb buffer is full (sz: 2048 bytes), total 128 (slots), used 128 (slots)",
            log.kernelText().get(0));
        now.addAndGet(5_000_000_001L);
        m.tblMapSingle(nc, HIGH, 4096, 4096, 0, DmaDirection.TO_DEVICE, 0);
        assertEquals(List.of("swiotlb_tbl_map_single: 2 callbacks suppressed",
            "platform dma-test-nc: swiotlb buffer is full (sz: 4096 bytes), total 128 (slots), used 128 (slots)"),
            log.kernelText().subList(10, 12));
        assertEquals(14, m.stats().devices().get(0).failedMaps());
    }

    @Test
    void badRequestsChangeNothing() {
        IoTlbMem m = pool(1024, 1);
        long tlb = m.tblMapSingle(nc, HIGH, 5000, 5000, 0, DmaDirection.TO_DEVICE, 0);
        int[] before = m.freeRuns();
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
            () -> m.tblMapSingle(nc, HIGH, 0, 0, 0, DmaDirection.TO_DEVICE, 0));
        assertTrue(zero.getMessage().contains("BUG_ON(!nslots)"), zero.getMessage());
        assertEquals(SwiotlbPool.MAPPING_ERROR, m.tblMapSingle(nc, HIGH, 200, 100, 0, DmaDirection.TO_DEVICE, 0));
        assertEquals(List.of("platform dma-test-nc: Invalid sizes (mapping: 200 bytes, alloc: 100 bytes)"),
            log.kernelText());
        assertThrows(IllegalArgumentException.class, () -> m.tblUnmapSingle(nc, tlb + 2048, 100,
            DmaDirection.TO_DEVICE, 0), "the middle of a bounce buffer");
        assertThrows(IllegalArgumentException.class, () -> m.tblUnmapSingle(nc, POOL + 100 * 2048, 100,
            DmaDirection.TO_DEVICE, 0), "a free slot");
        assertThrows(IllegalArgumentException.class, () -> m.tblUnmapSingle(nc, 0x40000000L, 100,
            DmaDirection.TO_DEVICE, 0), "outside the pool");
        assertArrayEquals(before, m.freeRuns());
        assertEquals(3, m.used());
        m.tblUnmapSingle(nc, tlb, 5000, DmaDirection.TO_DEVICE, 0);
        assertThrows(IllegalArgumentException.class, () -> m.tblUnmapSingle(nc, tlb, 5000, DmaDirection.TO_DEVICE, 0),
            "twice");
        assertEquals(0, m.used());
    }

    @Test
    void withoutSlotsTheKernelSaysItCannotBounce() {
        IoTlbMem none = new IoTlbMem("swiotlb", 0, 0, 1, false, ram, log, statics);
        assertEquals(SwiotlbPool.MAPPING_ERROR, none.tblMapSingle(nc, HIGH, 64, 64, 0, DmaDirection.TO_DEVICE, 0));
        assertEquals(List.of("platform dma-test-nc: Can not allocate SWIOTLB buffer earlier and can't now provide you"
            + " with the DMA bounce buffer"), log.kernelText());
        assertEquals(Map.of(), none.debugfs());
    }

    /**
     * 6.12's debugfs (6.6+): each pool reports its own use, and the high-water mark of slots in
     * use at once stays after the unmaps.
     */
    @Test
    void debugfsOf612ShowsEachPoolsOwnUseAndItsHighWaterMark() {
        SwiotlbStatics s612 = new SwiotlbStatics(SwiotlbKernel.of(org.dmasim.api.platform.KernelVersion.parse("6.12")));
        IoTlbMem m = new IoTlbMem("swiotlb", POOL, 32768, 1, false, ram, log, s612);
        s612.addRegion(new SwiotlbStatics.Region("restricted@50000000", 0x50000000L, 4L << 20));
        long a = m.tblMapSingle(nc, HIGH, 4096, 4096, 0, DmaDirection.TO_DEVICE, 0);
        long b = m.tblMapSingle(nc, HIGH, 5000, 5000, 0, DmaDirection.TO_DEVICE, 0);
        m.tblUnmapSingle(nc, b, 5000, DmaDirection.TO_DEVICE, 0);
        SwiotlbPool r = m.restricted("restricted@50000000").orElseThrow();
        r.tblMapSingle(nc, HIGH, 100, 100, 0, DmaDirection.TO_DEVICE, 0);
        assertEquals(Map.of("swiotlb/io_tlb_nslabs", "32768", "swiotlb/io_tlb_used", "2",
            "swiotlb/io_tlb_used_hiwater", "5", "restricted@50000000/io_tlb_nslabs", "2048",
            "restricted@50000000/io_tlb_used", "1", "restricted@50000000/io_tlb_used_hiwater", "1"), m.debugfs());
        m.tblUnmapSingle(nc, a, 4096, DmaDirection.TO_DEVICE, 0);
        assertEquals("0", m.debugfs().get("swiotlb/io_tlb_used"));
        assertEquals("5", m.debugfs().get("swiotlb/io_tlb_used_hiwater"));
    }

    @Test
    void debugfsShowsTheDefaultPoolAndEachRestrictedPoolAs61Does() {
        IoTlbMem m = pool(32768, 1);
        statics.addRegion(new SwiotlbStatics.Region("restricted@50000000", 0x50000000L, 4L << 20));
        m.tblMapSingle(nc, HIGH, 4096, 4096, 0, DmaDirection.TO_DEVICE, 0);
        SwiotlbPool r = m.restricted("restricted@50000000").orElseThrow();
        assertTrue(r.forceBounce());
        assertEquals(2048, r.nslabs());
        assertEquals(1, r.nareas());
        long t = r.tblMapSingle(nc, HIGH, 100, 100, 0, DmaDirection.TO_DEVICE, 0);
        assertEquals(0x50000000L, t);
        assertEquals(Map.of("swiotlb/io_tlb_nslabs", "32768", "swiotlb/io_tlb_used", "2",
            "restricted@50000000/io_tlb_nslabs", "2048", "restricted@50000000/io_tlb_used", "2"), m.debugfs());
        assertTrue(m.restricted("nothing").isEmpty());
        assertEquals(1, r.stats().used());
    }

    @Test
    void twoCpusOnTwoAreasMapAndUnmapAtOnceAndLoseNothing() throws Exception {
        IoTlbMem m = pool(4096, 2);
        Thread[] threads = new Thread[2];
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < 2; t++) {
            int cpu = t;
            threads[t] = new Thread(() -> {
                SimCpu.bind(cpu);
                try {
                    for (int i = 0; i < 20000; i++) {
                        long size = 1 + (i * 7919L + cpu) % 9000;
                        long tlb = m.tblMapSingle(nc, HIGH + cpu * 0x10000L, size, size, 0, DmaDirection.TO_DEVICE, 0);
                        if (tlb == SwiotlbPool.MAPPING_ERROR || (tlb - POOL) / (2048 * 2048) != cpu) {
                            throw new AssertionError("cpu " + cpu + " got " + Long.toHexString(tlb));
                        }
                        m.tblUnmapSingle(nc, tlb, size, DmaDirection.TO_DEVICE, 0);
                    }
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
        assertEquals(0, m.used());
        assertArrayEquals(reference(List.of(), 4096), m.freeRuns());
    }

    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed * 17 + (i >>> 8));
        }
        return b;
    }
}
