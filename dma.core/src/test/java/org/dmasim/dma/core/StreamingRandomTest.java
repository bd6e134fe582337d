package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.SimCpu;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.api.swiotlb.SwiotlbStats;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * Seeded random streaming DMA with real bytes, as a correct driver does it, across dma-direct and
 * swiotlb: non-coherent and coherent 32-bit devices, one behind dma-ranges, one 64-bit; buffers in
 * the high bank (bounced for the 32-bit ones) and below 4 GiB (direct); single mappings and lists;
 * maps on random simulated CPUs (a pool of four areas, small enough to fill). The CPU writes
 * payloads through the linear map (and the cache model), the device reads and writes through its
 * port at the translated physical address; ownership passes only through map, the syncs (whole or
 * part) and unmap. Checked: every byte either side reads is the byte the other wrote (0 corrupted
 * bytes), each successful bounce moves only its area's cursor to just past itself and nothing else
 * moves it, the pool's used counts match the live bounce buffers, the free-run counters equal a
 * recomputation from the live buffers, and after the last unmap every slot is free again.
 */
class StreamingRandomTest {
    private static final int BLOCK_ORDER = 5; // 128 KiB regions: a live mapping owns its regions whole
    private static final long BLOCK = Page.PAGE_SIZE << BLOCK_ORDER;

    /** One segment of a live mapping: the original's region and what either side last wrote. */
    private static final class Seg {
        long phys;
        int len;
        long dma;
        byte[] data;
    }

    private static final class Live {
        DmaDevice dev;
        DmaDirection dir;
        boolean list;
        SgTable sg;
        List<Seg> segs = new ArrayList<>();
        List<long[]> blocks = new ArrayList<>();
        boolean deviceOwns = true;
    }

    private final long seed = Long.getLong("dmasim.seed", System.nanoTime());
    private final Random rnd = new Random(seed);
    private final BootResult boot = Boots.bootDts("a64-2bank-testdevs.dts", "cmdline", "swiotlb=2048,4");
    private final DmaApi dma = Boots.dma(boot);
    private final KernelVm vm = dma.kernelVm();
    private final CpuCache cache = boot.lookup(CpuCache.class).orElseThrow();
    private final SwiotlbPool tlb = boot.lookup(SwiotlbPool.class).orElseThrow();
    private final List<long[]> freeHigh = new ArrayList<>();
    private final List<long[]> freeLow = new ArrayList<>();
    private final List<Live> live = new ArrayList<>();
    private long corrupted;
    private long checkedBytes;
    private long bounces;

    private String where() {
        return "seed " + seed + " (rerun with -Ddmasim.seed=" + seed + ")";
    }

    private byte[] payload(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private void compare(byte[] want, byte[] got, int from, int n) {
        for (int i = 0; i < n; i++) {
            if (want[from + i] != got[i]) {
                corrupted++;
            }
        }
        checkedBytes += n;
    }

    @Test
    void randomMapsSyncsAndUnmapsDeliverEveryByteAndKeepTheSlotsStraight() {
        System.out.println("StreamingRandomTest seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        int ops = Integer.getInteger("dmasim.streamingOps", Boolean.getBoolean("dmasim.longTests") ? 1_000_000 : 100_000);
        PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
        for (int i = 0; i < 48; i++) {
            freeHigh.add(new long[] {Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, BLOCK_ORDER))});
        }
        for (int i = 0; i < 16; i++) {
            freeLow.add(new long[] {Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, BLOCK_ORDER))});
        }
        DmaDevice wide = dma.createDevice(DeviceSpec.platform("dma-test-64", true));
        assertEquals(0, dma.setMaskAndCoherent(wide, -1L));
        List<DmaDevice> devices = List.of(dma.device("dma-test-nc").orElseThrow(), dma.device("dma-test-coh")
            .orElseThrow(), dma.device("dma-test-bus:dma-test-dr").orElseThrow(), wide);
        int[] initial = tlb.freeRuns();
        for (int op = 0; op < ops; op++) {
            int what = rnd.nextInt(100);
            if (live.isEmpty() || (what < 30 && live.size() < 40)) {
                map(devices.get(rnd.nextInt(devices.size())));
            } else if (what < 45) {
                unmap(live.remove(rnd.nextInt(live.size())));
            } else {
                transfer(live.get(rnd.nextInt(live.size())));
            }
            if (op % 16 == 0) {
                checkUsed();
            }
            if (op % 1024 == 0) {
                checkFreeRuns();
            }
        }
        while (!live.isEmpty()) {
            unmap(live.remove(live.size() - 1));
        }
        System.out.println("StreamingRandomTest: " + ops + " ops, " + checkedBytes + " bytes checked, " + bounces
            + " bounce buffers, " + corrupted + " corrupted bytes");
        assertEquals(0, corrupted, where());
        assertEquals(0, tlb.stats().used(), where() + ": every slot came back");
        assertArrayEquals(initial, tlb.freeRuns(), where() + ": every free-run counter back to its segment's");
        assertTrue(dma.mappings().isEmpty(), where());
    }

    // ---- map ----

    private long[] takeBlock(boolean high) {
        List<long[]> from = high ? freeHigh : freeLow;
        return from.isEmpty() ? null : from.remove(rnd.nextInt(from.size()));
    }

    private void giveBack(Live m) {
        for (long[] b : m.blocks) {
            (b[0] > 0xffffffffL ? freeHigh : freeLow).add(b);
        }
    }

    private int size() {
        int r = rnd.nextInt(100);
        return 1 + (r < 80 ? rnd.nextInt(2048) : r < 98 ? rnd.nextInt(16384) : rnd.nextInt(128 << 10));
    }

    private void map(DmaDevice dev) {
        Live m = new Live();
        m.dev = dev;
        m.dir = DmaDirection.values()[rnd.nextInt(3)];
        m.list = rnd.nextInt(4) == 0;
        int n = m.list ? 1 + rnd.nextInt(3) : 1;
        for (int i = 0; i < n; i++) {
            long[] block = takeBlock(rnd.nextInt(3) != 0);
            if (block == null) {
                giveBack(m);
                return;
            }
            m.blocks.add(block);
            Seg s = new Seg();
            int len = size();
            long off = rnd.nextInt((int) (BLOCK - len) / 128 + 1) * 128L; // cache-line aligned, as kmalloc gives
            s.phys = block[0] + off;
            s.len = len;
            s.data = payload(len);
            vm.cpuWrite(vm.linearAddress(s.phys), s.data); // the CPU fills the buffer before it maps it
            m.segs.add(s);
        }
        SimCpu.bind(rnd.nextInt(4));
        SwiotlbStats before = tlb.stats();
        long attrs = rnd.nextInt(8) == 0 ? DmaAttrs.NO_WARN : 0;
        boolean ok;
        if (m.list) {
            long[] phys = m.segs.stream().mapToLong(x -> x.phys).toArray();
            long[] len = m.segs.stream().mapToLong(x -> x.len).toArray();
            m.sg = SgTable.of(phys, len);
            ok = dma.mapSg(dev, m.sg, n, m.dir, attrs) == n;
            for (int i = 0; ok && i < n; i++) {
                m.segs.get(i).dma = m.sg.dmaAddress(i);
            }
        } else {
            Seg s = m.segs.get(0);
            DmaAddr a = dma.mapSingle(dev, new CpuAddr(vm.linearAddress(s.phys)), s.len, m.dir, attrs);
            ok = !a.isMappingError();
            s.dma = a.value();
        }
        SwiotlbStats after = tlb.stats();
        if (!ok) {
            assertEquals(before.used(), after.used(), where() + ": a failed map holds no slots");
            if (!m.list) {
                assertEquals(cursors(before), cursors(after), where() + ": a failed search moves no cursor");
            }
            giveBack(m);
            return;
        }
        long[] expected = cursors(before);
        for (Seg s : m.segs) {
            long phys = dma.deviceAccess(dev, new DmaAddr(s.dma), s.len).value();
            if (tlb.isSwiotlbBuffer(phys)) {
                bounces++;
                SwiotlbStats.Area area = areaOf(after, phys);
                long inArea = ((phys - tlb.start()) >>> 11) - area.firstSlot();
                long end = inArea + (s.len + 2047) / 2048;
                expected[area.index()] = end >= area.nslabs() ? 0 : end;
            } else {
                assertEquals(s.phys, phys, where() + ": a direct mapping reaches the buffer itself");
            }
        }
        assertArrayEquals(expected, cursors(after), where() + ": each bounce moved its area's cursor past itself");
        live.add(m);
        deviceReads(m);
    }

    private static long[] cursors(SwiotlbStats s) {
        return s.areas().stream().mapToLong(SwiotlbStats.Area::cursor).toArray();
    }

    private SwiotlbStats.Area areaOf(SwiotlbStats s, long phys) {
        long slot = (phys - tlb.start()) >>> 11;
        for (SwiotlbStats.Area a : s.areas()) {
            if (slot >= a.firstSlot() && slot < a.firstSlot() + a.nslabs()) {
                return a;
            }
        }
        throw new AssertionError(where() + ": slot " + slot + " is in no area");
    }

    // ---- the device and the CPU take turns ----

    private byte[] deviceRead(Live m, Seg s, int off, int n) {
        long phys = dma.deviceAccess(m.dev, new DmaAddr(s.dma + off), n).value();
        return cache.device(m.dev.coherent()).read(phys, n);
    }

    /** The device, owning the buffer, reads what the CPU handed over (every direction maps the original in). */
    private void deviceReads(Live m) {
        for (Seg s : m.segs) {
            compare(s.data, deviceRead(m, s, 0, s.len), 0, s.len);
        }
    }

    private void transfer(Live m) {
        int what = rnd.nextInt(4);
        if (m.deviceOwns) {
            if (what == 0) {
                deviceReads(m);
            } else if (what == 1 && m.dir != DmaDirection.TO_DEVICE) {
                Seg s = m.segs.get(rnd.nextInt(m.segs.size()));
                int off = rnd.nextInt(s.len);
                int n = 1 + rnd.nextInt(s.len - off);
                byte[] b = payload(n);
                long phys = dma.deviceAccess(m.dev, new DmaAddr(s.dma + off), n).value();
                cache.device(m.dev.coherent()).write(phys, b);
                System.arraycopy(b, 0, s.data, off, n);
            } else if (what == 2 && !m.list) {
                syncPartForCpu(m);
            } else {
                syncForCpu(m);
            }
        } else if (m.dir != DmaDirection.FROM_DEVICE && what < 3) {
            // The CPU owns it: writes part of it and hands that part (or all) back.
            Seg s = m.segs.get(rnd.nextInt(m.segs.size()));
            int off = rnd.nextInt(s.len);
            int n = 1 + rnd.nextInt(s.len - off);
            byte[] b = payload(n);
            vm.cpuWrite(vm.linearAddress(s.phys + off), b);
            System.arraycopy(b, 0, s.data, off, n);
            if (m.list) {
                dma.syncSgForDevice(m.dev, m.sg, m.segs.size(), m.dir);
            } else if (rnd.nextBoolean()) {
                dma.syncSingleRangeForDevice(m.dev, new DmaAddr(s.dma), off, n, m.dir);
            } else {
                dma.syncSingleForDevice(m.dev, new DmaAddr(s.dma), s.len, m.dir);
            }
            m.deviceOwns = true;
        } else {
            if (m.list) {
                dma.syncSgForDevice(m.dev, m.sg, m.segs.size(), m.dir);
            } else {
                Seg s = m.segs.get(0);
                dma.syncSingleForDevice(m.dev, new DmaAddr(s.dma), s.len, m.dir);
            }
            m.deviceOwns = true;
        }
    }

    private void cpuReads(Live m, Seg s, int off, int n) {
        if (m.dir == DmaDirection.TO_DEVICE) {
            return; // nothing comes back; the CPU's own bytes are its business
        }
        compare(s.data, vm.cpuRead(vm.linearAddress(s.phys + off), n), off, n);
    }

    private void syncForCpu(Live m) {
        if (m.list) {
            dma.syncSgForCpu(m.dev, m.sg, m.segs.size(), m.dir);
        } else {
            Seg s = m.segs.get(0);
            dma.syncSingleForCpu(m.dev, new DmaAddr(s.dma), s.len, m.dir);
        }
        for (Seg s : m.segs) {
            cpuReads(m, s, 0, s.len);
        }
        m.deviceOwns = false;
    }

    /** A sync for the CPU of part of the buffer: the CPU may read that part; the device keeps the buffer. */
    private void syncPartForCpu(Live m) {
        Seg s = m.segs.get(0);
        int off = rnd.nextInt(s.len);
        int n = 1 + rnd.nextInt(s.len - off);
        dma.syncSingleRangeForCpu(m.dev, new DmaAddr(s.dma), off, n, m.dir);
        cpuReads(m, s, off, n);
    }

    private void unmap(Live m) {
        boolean skip = !m.deviceOwns && rnd.nextBoolean(); // synced already: SKIP_CPU_SYNC is allowed
        long attrs = skip ? DmaAttrs.SKIP_CPU_SYNC : 0;
        if (m.list) {
            dma.unmapSg(m.dev, m.sg, m.segs.size(), m.dir, attrs);
        } else {
            Seg s = m.segs.get(0);
            dma.unmapSingle(m.dev, new DmaAddr(s.dma), s.len, m.dir, attrs);
        }
        for (Seg s : m.segs) {
            cpuReads(m, s, 0, s.len);
        }
        giveBack(m);
    }

    // ---- the pool's own bookkeeping ----

    private List<long[]> liveBounces() {
        List<long[]> out = new ArrayList<>();
        for (Live m : live) {
            for (Seg s : m.segs) {
                long phys = dma.deviceAccess(m.dev, new DmaAddr(s.dma), 1).value();
                if (tlb.isSwiotlbBuffer(phys)) {
                    out.add(new long[] {(phys - tlb.start()) >>> 11, (s.len + 2047) / 2048});
                }
            }
        }
        return out;
    }

    private void checkUsed() {
        long used = liveBounces().stream().mapToLong(r -> r[1]).sum();
        SwiotlbStats s = tlb.stats();
        assertEquals(used, s.used(), where() + ": io_tlb_used is the live bounce buffers' slots");
        long[] perArea = new long[s.areas().size()];
        for (long[] r : liveBounces()) {
            perArea[areaOf(s, tlb.start() + (r[0] << 11)).index()] += r[1];
        }
        assertArrayEquals(perArea, s.areas().stream().mapToLong(SwiotlbStats.Area::used).toArray(), where());
    }

    private void checkFreeRuns() {
        int n = (int) tlb.nslabs();
        boolean[] used = new boolean[n];
        for (long[] r : liveBounces()) {
            for (long i = r[0]; i < r[0] + r[1]; i++) {
                assertTrue(!used[(int) i], where() + ": slot " + i + " handed out twice");
                used[(int) i] = true;
            }
        }
        int[] want = new int[n];
        for (int i = n - 1; i >= 0; i--) {
            boolean segmentEnd = (i & (SwiotlbPool.IO_TLB_SEGSIZE - 1)) == SwiotlbPool.IO_TLB_SEGSIZE - 1;
            want[i] = used[i] ? 0 : segmentEnd ? 1 : want[i + 1] + 1;
        }
        assertArrayEquals(want, tlb.freeRuns(), where() + ": free-run counters as the kernel's rule recomputes them");
    }
}
