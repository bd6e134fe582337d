package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.api.swiotlb.SwiotlbStats;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * Observation S3 of the real kernel, replayed: the test module's calls on {@code dma-test-nc}
 * (non-coherent, 32-bit) on the two-bank arm64 board, printed as the module printed them, every
 * line compared with the real kernel's: the handles, the first slot, {@code io_tlb_used}, the used
 * slots of the areas and area 0's cursor after every call, the -ENOMEM of a 266240-byte mapping, the
 * in-page offsets 0x123 and 0x900, the GFP_DMA page that needs no bounce and both
 * scatter-gather lists with their DMA addresses. The physical addresses of the buffers are the page
 * allocator's (the oracle's README does not compare them): the buffers are allocated as the module
 * allocated them and their lines printed with dmasim's addresses, which the comparison takes from
 * the lines.
 */
class SwiotlbOracleS3Test {
    private final BootResult boot = Boots.bootDts("a64-2bank-testdevs.dts", "kernel", kernel());
    private final DmaApi dma = Boots.dma(boot);
    private final PageAllocator buddy = boot.lookup(PageAllocator.class).orElseThrow();
    private final SwiotlbPool tlb = boot.lookup(SwiotlbPool.class).orElseThrow();
    private final DmaDevice nc = dma.device("dma-test-nc").orElseThrow();
    private final List<String> out = new ArrayList<>();

    /** The kernel the board runs; the 6.12 oracle saw the same slots, cursors and failures. */
    String kernel() {
        return "6.1";
    }

    private static final String[] DIR = {"BIDIRECTIONAL", "TO_DEVICE", "FROM_DEVICE"};

    private String counters() {
        SwiotlbStats s = tlb.stats();
        long areas = s.areas().stream().mapToLong(SwiotlbStats.Area::used).sum();
        return String.format("io_tlb_used=%s areas_used=%d area0_index=%d", tlb.debugfs().get("swiotlb/io_tlb_used"),
            areas, s.areas().get(0).cursor());
    }

    private DmaAddr mapSingle(String what, long phys, long size, DmaDirection dir) {
        DmaAddr h = dma.mapSingle(nc, new CpuAddr(dma.kernelVm().linearAddress(phys)), size, dir, 0);
        int err = dma.mappingError(nc, h);
        boolean bounced = !h.isMappingError() && tlb.isSwiotlbBuffer(h.value());
        out.add(String.format("S3 nc map_single %s size=%d dir=%s phys=0x%x -> handle=0x%x mapping_error=%d bounce=%s"
            + " slot=%d %s", what, size, DIR[dir.ordinal()], phys, h.value(), err, h.isMappingError() ? "-"
            : bounced ? "yes" : "no", bounced ? (h.value() - tlb.start()) >>> 11 : -1, counters()));
        return h;
    }

    private void unmapSingle(DmaAddr h, long size, DmaDirection dir) {
        dma.unmapSingle(nc, h, size, dir, 0);
        out.add(String.format("S3 nc unmap_single handle=0x%x size=%d dir=%s -> %s", h.value(), size,
            DIR[dir.ordinal()], counters()));
    }

    private long page(int gfp, int order) {
        long pfn = buddy.allocPages(gfp, order);
        if (pfn < 0) {
            throw new AssertionError("no order-" + order + " block");
        }
        return Page.pfnPhys(pfn);
    }

    private SgTable mapSg(long[] phys, long[] len, DmaDirection dir) {
        for (int i = 0; i < phys.length; i++) {
            out.add(String.format("S3 nc sg in[%d] phys=0x%x len=%d", i, phys[i], len[i]));
        }
        SgTable sg = SgTable.of(phys, len);
        int n = dma.mapSg(nc, sg, phys.length, dir, 0);
        out.add(String.format("S3 nc map_sg nents=%d dir=%s -> returned=%d %s", phys.length, DIR[dir.ordinal()], n,
            counters()));
        for (int i = 0; i < n; i++) {
            out.add(String.format("S3 nc sg out[%d] dma=0x%x len=%d", i, sg.dmaAddress(i), sg.dmaLength(i)));
        }
        return sg;
    }

    /** The module's run, as it made its calls. */
    private List<String> run() {
        out.add("=== S3 nc");
        int rc = dma.setMaskAndCoherent(nc, 0xffffffffL);
        out.add("S3 nc set_mask_and_coherent(32) -> " + rc + " max_mapping_size=" + dma.maxMappingSize(nc));
        long high = page(Gfp.GFP_KERNEL, 7);
        out.add(String.format("S3 nc buffer order=7 phys=0x%x zone=%s (after 1 tries)", high,
            high > 0xffffffffL ? "Normal" : "DMA"));
        long[] sizes = {1500, 4096, 8192, 65536, 262144, 266240};
        for (DmaDirection dir : List.of(DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE, DmaDirection.BIDIRECTIONAL)) {
            DmaAddr[] h = new DmaAddr[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                h[i] = mapSingle("high", high, sizes[i], dir);
            }
            for (int i = 0; i < sizes.length; i++) {
                if (!h[i].isMappingError()) {
                    unmapSingle(h[i], sizes[i], dir);
                }
            }
        }
        DmaAddr a = mapSingle("high+0x123", high + 0x123, 1500, DmaDirection.TO_DEVICE);
        unmapSingle(a, 1500, DmaDirection.TO_DEVICE);
        DmaAddr b = mapSingle("high+0x900", high + 0x900, 4096, DmaDirection.TO_DEVICE);
        unmapSingle(b, 4096, DmaDirection.TO_DEVICE);
        long low = page(Gfp.GFP_KERNEL | Gfp.GFP_DMA, 0);
        out.add(String.format("S3 nc GFP_DMA page phys=0x%x zone=%s", low, low <= 0xffffffffL ? "DMA" : "Normal"));
        DmaAddr c = mapSingle("low", low, 4096, DmaDirection.BIDIRECTIONAL);
        unmapSingle(c, 4096, DmaDirection.BIDIRECTIONAL);
        DmaAddr d = mapSingle("low", low, 8192, DmaDirection.TO_DEVICE);
        unmapSingle(d, 8192, DmaDirection.TO_DEVICE);
        long[] pages = {page(Gfp.GFP_KERNEL, 0), page(Gfp.GFP_KERNEL, 0), page(Gfp.GFP_KERNEL, 0)};
        SgTable sg = mapSg(pages, new long[] {4096, 4096, 4096}, DmaDirection.TO_DEVICE);
        dma.unmapSg(nc, sg, 3, DmaDirection.TO_DEVICE, 0);
        long[] parts = {pages[0], pages[1] + 0x64, pages[2]};
        SgTable sg2 = mapSg(parts, new long[] {4096, 1000, 2048}, DmaDirection.FROM_DEVICE);
        dma.unmapSg(nc, sg2, 3, DmaDirection.FROM_DEVICE, 0);
        return out;
    }

    /**
     * The oracle's lines with the buffers' physical addresses as the page allocator gave them here:
     * each page the module allocated (the order-7 buffer, the three list pages) is matched with the
     * page dmasim allocated at the same step, and every address inside it moves with it, in-page
     * offset kept. Nothing else is touched.
     */
    private static List<String> oracle(List<String> actual) throws IOException {
        List<String> want = new ArrayList<>();
        try (InputStream in = SwiotlbOracleS3Test.class.getResourceAsStream("/oracle/runtime-S3.txt")) {
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!l.startsWith("#") && !l.isBlank()) {
                    want.add(l);
                }
            }
        }
        Map<Long, Long> pages = new HashMap<>();
        Pattern buffer = Pattern.compile("(buffer order=7|sg in\\[\\d\\]) phys=0x([0-9a-f]+)");
        for (int i = 0; i < Math.min(want.size(), actual.size()); i++) {
            Matcher w = buffer.matcher(want.get(i));
            Matcher a = buffer.matcher(actual.get(i));
            if (w.find() && a.find()) {
                pages.put(Long.parseLong(w.group(2), 16) & ~0xfffL, Long.parseLong(a.group(2), 16) & ~0xfffL);
            }
        }
        List<String> moved = new ArrayList<>();
        Pattern phys = Pattern.compile("phys=0x([0-9a-f]+)");
        for (String l : want) {
            Matcher m = phys.matcher(l);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                long p = Long.parseLong(m.group(1), 16);
                Long to = pages.get(p & ~0xfffL);
                m.appendReplacement(sb, "phys=0x" + Long.toHexString(to == null ? p : to + (p & 0xfff)));
            }
            m.appendTail(sb);
            moved.add(sb.toString());
        }
        return moved;
    }

    @Test
    void theRealKernelsLinesComeOutLineForLine() throws IOException {
        List<String> got = run();
        List<String> want = oracle(got);
        assertEquals(String.join("\n", want), String.join("\n", got));
        // What the kernel printed meanwhile: each 266240-byte map found no 130 free slots in a row.
        assertEquals(java.util.Collections.nCopies(3, "platform dma-test-nc: swiotlb buffer is full (sz: 266240 bytes),"
            + " total 32768 (slots), used 167 (slots)"), boot.log().kernelText().stream()
                .filter(l -> l.contains("swiotlb")).filter(l -> !l.startsWith("software IO TLB")).toList());
    }
}
