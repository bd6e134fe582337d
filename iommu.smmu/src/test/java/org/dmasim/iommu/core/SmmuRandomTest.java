package org.dmasim.iommu.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.iommu.IommuDomainInfo;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.testing.Gfps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random DMA through the SMMUv3 on the edu device, strict and lazy: map_page, map_sg,
 * unmap, coherent alloc and free, device reads that check every byte the CPU handed over, device
 * writes into coherent buffers checked through the CPU, and (lazy) simulated time passing. Checked
 * along the way: no two live mappings share an IOVA, each live mapping's range has page-table
 * leaves and translates to its own memory. At the end, with everything unmapped and freed and the
 * flush queue flushed: the domain's IOVA ranges are exactly the ones its rcache holds (the
 * reserved windows aside), no leaf is left over the range used, and the page allocator has every
 * page back except the page-table pages the domain keeps (6.1 does not free empty tables).
 *
 * <p>The seed comes from {@code -Ddmasim.seed} or the clock and is printed; 3,000 operations per
 * mode, 30,000 with {@code -Ddmasim.longTests=true}.
 */
class SmmuRandomTest {
    private static final int SMALL_ORDER = 2;
    private static final int BIG_ORDER = 6;

    private final long seed = Long.getLong("dmasim.seed", System.nanoTime());
    private final Random rnd = new Random(seed);

    /** A live streaming mapping: its blocks, segments (phys, len, bytes) and DMA side. */
    private static final class Live {
        List<long[]> blocks = new ArrayList<>();
        List<long[]> segs = new ArrayList<>(); // {phys, len}
        List<byte[]> data = new ArrayList<>();
        DmaDirection dir;
        SgTable sg;
        long handle;
        long iovaLo;
        long iovaHi;
    }

    private record Buffer(CoherentBuffer b, byte[] data) {
    }

    private SmmuRig r;
    private DmaDevice edu;
    private final List<long[]> freeBlocks = new ArrayList<>(); // {phys, order}
    private final List<Live> live = new ArrayList<>();
    private final List<Buffer> buffers = new ArrayList<>();
    private long usedLo = -1;
    private long usedHi;
    private long checkedBytes;

    private String where() {
        return "seed " + seed + " (rerun with -Ddmasim.seed=" + seed + ")";
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void randomMapsAndAllocationsKeepPageTablesAndIovasConsistent(boolean lazy) {
        System.out.println("SmmuRandomTest " + (lazy ? "lazy" : "strict") + " seed=" + seed + " (rerun with"
            + " -Ddmasim.seed=" + seed + ")");
        r = lazy ? SmmuRig.profile("cmdline", "console=ttyAMA0 iommu.strict=0") : SmmuRig.profile();
        edu = r.edu();
        assertEquals(0, r.dma.setMaskAndCoherent(edu, -1L));
        assertEquals(lazy ? "DMA-FQ" : "DMA", r.iommu.readGroupType(0));
        for (int i = 0; i < 48; i++) {
            freeBlocks.add(new long[] {r.block(SMALL_ORDER), SMALL_ORDER});
        }
        for (int i = 0; i < 6; i++) {
            freeBlocks.add(new long[] {r.block(BIG_ORDER), BIG_ORDER});
        }
        r.buddy.drainAllPages();
        long freeAtStart = r.buddy.freePages();
        long tablesAtStart = domain().tablePages();
        int ops = Boolean.getBoolean("dmasim.longTests") ? 30_000 : 3_000;
        for (int op = 0; op < ops; op++) {
            int what = rnd.nextInt(100);
            if (what < 30 && live.size() < 40) {
                map();
            } else if (what < 50 && !live.isEmpty()) {
                unmap(live.remove(rnd.nextInt(live.size())));
            } else if (what < 58 && buffers.size() < 8) {
                alloc();
            } else if (what < 64 && !buffers.isEmpty()) {
                free(buffers.remove(rnd.nextInt(buffers.size())));
            } else if (what < 67 && lazy) {
                r.iommu.advance(rnd.nextInt(4_000_000));
            } else if (!live.isEmpty()) {
                deviceReads(live.get(rnd.nextInt(live.size())));
            } else if (!buffers.isEmpty()) {
                deviceWritesBuffer(buffers.get(rnd.nextInt(buffers.size())));
            }
            if (op % 64 == 0) {
                checkDisjoint();
            }
        }
        while (!live.isEmpty()) {
            unmap(live.remove(live.size() - 1));
        }
        while (!buffers.isEmpty()) {
            free(buffers.remove(buffers.size() - 1));
        }
        r.iommu.advance(10_000_000L);
        IommuDomainInfo d = domain();
        System.out.println("SmmuRandomTest: " + ops + " ops, " + checkedBytes + " bytes checked, " + d);
        assertEquals(0, d.fqWaiting(), where() + ": the flush queue is empty after 10 ms");
        assertEquals(d.iovaCached(), d.iovaRanges(), where() + ": every IOVA not reserved is one the rcache holds: "
            + r.iommu.iovaRanges(edu));
        if (usedLo != -1) {
            assertEquals(List.of(), r.leaves(edu, usedLo, usedHi - usedLo + 1), where() + ": no leaf left");
        }
        assertTrue(r.dma.mappings().isEmpty(), where());
        assertTrue(r.dma.allocations().isEmpty(), where());
        r.buddy.drainAllPages();
        long keptTables = d.tablePages() - tablesAtStart;
        assertEquals(freeAtStart, r.buddy.freePages() + keptTables, where() + ": every page back but the "
            + keptTables + " table pages the domain keeps");
    }

    private IommuDomainInfo domain() {
        int id = r.iommu.group(edu).orElseThrow().domain();
        return r.iommu.domains().stream().filter(x -> x.id() == id).findFirst().orElseThrow();
    }

    private void used(long lo, long hi) {
        usedLo = usedLo == -1 ? lo : Math.min(usedLo, lo);
        usedHi = Math.max(usedHi, hi);
    }

    // ---- streaming ----

    private void map() {
        Live m = new Live();
        m.dir = DmaDirection.values()[rnd.nextInt(3)];
        boolean list = rnd.nextInt(3) == 0;
        int n = list ? 1 + rnd.nextInt(3) : 1;
        for (int i = 0; i < n && !freeBlocks.isEmpty(); i++) {
            long[] block = freeBlocks.remove(rnd.nextInt(freeBlocks.size()));
            m.blocks.add(block);
            long bytes = Page.PAGE_SIZE << block[1];
            int len = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? (int) bytes : 4096);
            long off = rnd.nextInt((int) (bytes - len) + 1);
            byte[] data = new byte[len];
            rnd.nextBytes(data);
            r.cpuWrite(block[0] + off, data);
            m.segs.add(new long[] {block[0] + off, len});
            m.data.add(data);
        }
        if (m.segs.isEmpty()) {
            return;
        }
        if (list) {
            m.sg = SgTable.of(m.segs.stream().mapToLong(s -> s[0]).toArray(), m.segs.stream().mapToLong(s -> s[1])
                .toArray());
            int got = r.dma.mapSg(edu, m.sg, m.segs.size(), m.dir, 0);
            assertTrue(got >= 1 && got <= m.segs.size(), where() + ": map_sg returned " + got);
            m.iovaLo = m.sg.dmaAddress(0) & ~0xfffL;
            m.iovaHi = (m.sg.dmaAddress(got - 1) + m.sg.dmaLength(got - 1) - 1) | 0xfff;
        } else {
            long[] s = m.segs.get(0);
            m.handle = r.dma.mapPage(edu, Page.pfnDown(s[0]), s[0] & 0xfff, s[1], m.dir, 0).value();
            assertTrue(m.handle != -1L, where());
            assertEquals(s[0] & 0xfff, m.handle & 0xfff, where() + ": the in-page offset is kept");
            m.iovaLo = m.handle & ~0xfffL;
            m.iovaHi = (m.handle + s[1] - 1) | 0xfff;
        }
        used(m.iovaLo, m.iovaHi);
        for (Live o : live) {
            assertTrue(m.iovaHi < o.iovaLo || m.iovaLo > o.iovaHi, where() + String.format(": IOVA [%#x-%#x] overlaps"
                + " a live mapping's [%#x-%#x]", m.iovaLo, m.iovaHi, o.iovaLo, o.iovaHi));
        }
        live.add(m);
        deviceReads(m);
    }

    /** The DMA address of byte {@code off} of segment {@code i} of a mapping. */
    private long dmaOf(Live m, int i) {
        if (m.sg == null) {
            return m.handle;
        }
        // The whole list sits at one IOVA range, each input segment padded to whole granules (no
        // boundary padding below the PCI 4 GiB boundary for lists this small).
        long at = m.sg.dmaAddress(0) & ~0xfffL;
        for (int k = 0; k < i; k++) {
            long[] s = m.segs.get(k);
            at += ((s[0] & 0xfff) + s[1] + 0xfff) & ~0xfffL;
        }
        return at + (m.segs.get(i)[0] & 0xfff);
    }

    private void deviceReads(Live m) {
        for (int i = 0; i < m.segs.size(); i++) {
            int len = (int) m.segs.get(i)[1];
            long dma = dmaOf(m, i);
            assertArrayEquals(m.data.get(i), r.deviceRead(edu, dma, len), where() + String.format(": device read at"
                + " %#x", dma));
            assertEquals(m.segs.get(i)[0], r.dma.deviceAccess(edu, new DmaAddr(dma), 1).value(), where());
            checkedBytes += len;
        }
    }

    private void unmap(Live m) {
        if (m.sg != null) {
            r.dma.unmapSg(edu, m.sg, m.segs.size(), m.dir, 0);
        } else {
            r.dma.unmapPage(edu, new DmaAddr(m.handle), m.segs.get(0)[1], m.dir, 0);
        }
        assertEquals(List.of(), r.leaves(edu, m.iovaLo, m.iovaHi - m.iovaLo + 1), where()
            + ": the unmap cleared every leaf");
        for (int i = 0; i < m.segs.size(); i++) {
            assertArrayEquals(m.data.get(i), r.cpuRead(m.segs.get(i)[0], (int) m.segs.get(i)[1]), where()
                + ": nothing wrote to a buffer the device only read");
        }
        freeBlocks.addAll(m.blocks);
    }

    private void checkDisjoint() {
        for (Live m : live) {
            List<String> leaves = r.leaves(edu, m.iovaLo, m.iovaHi - m.iovaLo + 1);
            assertTrue(!leaves.isEmpty(), where() + String.format(": live mapping [%#x-%#x] has leaves", m.iovaLo,
                m.iovaHi));
            for (String leaf : leaves) {
                boolean ro = leaf.contains(" RO ");
                assertEquals(m.dir == DmaDirection.TO_DEVICE, ro, where() + ": " + leaf);
            }
        }
    }

    // ---- coherent ----

    private void alloc() {
        long size = 1 + rnd.nextInt(rnd.nextBoolean() ? 4096 : 64 << 10);
        int gfp = rnd.nextBoolean() ? Gfp.GFP_KERNEL : Gfps.GFP_ATOMIC;
        CoherentBuffer b = r.dma.allocCoherent(edu, size, gfp).orElseThrow(() -> new AssertionError(where()
            + ": alloc " + size));
        assertArrayEquals(new byte[(int) size], r.vm.cpuRead(b.cpuAddr(), (int) size), where() + ": zeroed");
        used(b.dmaHandle(), (b.dmaHandle() + size - 1) | 0xfff);
        buffers.add(new Buffer(b, new byte[(int) size]));
    }

    private void deviceWritesBuffer(Buffer buf) {
        CoherentBuffer b = buf.b();
        int off = rnd.nextInt((int) b.size());
        int n = 1 + rnd.nextInt((int) b.size() - off);
        byte[] data = new byte[n];
        rnd.nextBytes(data);
        r.deviceWrite(edu, b.dmaHandle() + off, data);
        System.arraycopy(data, 0, buf.data(), off, n);
        assertArrayEquals(buf.data(), r.vm.cpuRead(b.cpuAddr(), (int) b.size()), where() + ": the CPU sees the"
            + " device's bytes");
        checkedBytes += b.size();
    }

    private void free(Buffer buf) {
        CoherentBuffer b = buf.b();
        r.dma.freeCoherent(edu, b.size(), b.cpuAddr(), b.dmaHandle());
        assertEquals(List.of(), r.leaves(edu, b.dmaHandle() & ~0xfffL, Page.pageAlign(b.size())), where());
    }
}
