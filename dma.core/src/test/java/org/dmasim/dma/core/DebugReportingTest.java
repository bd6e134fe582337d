package org.dmasim.dma.core;

import static org.dmasim.dma.core.DebugBoot.hex16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaApiDebug;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * How DMA-API debugging reports (6.1's {@code err_printk}): every error counted, the first one
 * printed unless {@code num_errors} or {@code all_errors} say otherwise, only the filtered
 * driver's with {@code driver_filter}; its boot lines, its debugfs files and what switches it off.
 */
class DebugReportingTest {
    private final DebugBoot b = DebugBoot.arm64();
    private final DmaDevice coh = b.dev("dma-test-coh");
    private final DmaDevice nc = b.dev("dma-test-nc");

    /** One error: an unmap of a page of the device that is not mapped; refused. */
    private List<String> oneError(DmaDevice dev) {
        return b.kernelRefused(() -> b.dma.unmapPage(dev, new DmaAddr(0x7f000000L), 64, DmaDirection.TO_DEVICE, 0));
    }

    private static String notAllocated(String driver, String dev) {
        return "DMA-API: " + driver + " " + dev + ": device driver tries to free DMA memory it has not allocated [device"
            + " address=0x000000007f000000] [size=64 bytes]";
    }

    @Test
    void bootLinesAndTheFilesAfterBoot() {
        List<String> kernel = b.boot.log().kernelText();
        int pre = kernel.indexOf("DMA-API: preallocated 65536 debug entries");
        assertTrue(pre > kernel.indexOf("Kernel command line: console=ttyAMA0 earlycon"), kernel.toString());
        assertEquals("DMA-API: debugging enabled by kernel config", kernel.get(pre + 1));
        assertTrue(pre < kernel.indexOf("DMA: preallocated 512 KiB GFP_KERNEL pool for atomic allocations"),
            "core_initcall before the atomic pools' postcore_initcall");
        Map<String, String> files = new LinkedHashMap<>();
        files.put("disabled", "N\n");
        files.put("error_count", "0\n");
        files.put("all_errors", "0\n");
        files.put("num_errors", "1\n");
        files.put("num_free_entries", "65536\n");
        files.put("min_free_entries", "65536\n");
        files.put("nr_total_entries", "65536\n");
        files.put("driver_filter", "");
        files.put("dump", "");
        assertEquals(files, b.debug.debugfs());
        assertEquals(DmaApiDebug.FILES, List.copyOf(b.debug.debugfs().keySet()));
    }

    @Test
    void theEntryPoolTakesItsPagesFromThePageAllocator() {
        BootResult plain = Boots.boot("qemu-virt-arm64-testdevs");
        PageAllocator without = plain.lookup(PageAllocator.class).orElseThrow();
        without.drainAllPages();
        b.buddy.drainAllPages();
        assertEquals(65536 / 32, without.freePages() - b.buddy.freePages(), "128-byte entries, 32 a page");
    }

    @Test
    void debianBuildsWithoutIt() {
        BootResult plain = Boots.boot("qemu-virt-arm64-testdevs");
        DmaApi dma = Boots.dma(plain);
        assertTrue(dma.dmaDebug().isEmpty());
        DmaDevice dev = dma.device("dma-test-coh").orElseThrow();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> dma.unmapPage(dev, new DmaAddr(0x7f000000L), 64, DmaDirection.TO_DEVICE, 0));
        assertTrue(e.getMessage().contains("(without DMA-API debugging Linux does not notice; it would unmap 64 bytes"),
            e.getMessage());
        assertTrue(plain.log().kernelText().stream().noneMatch(l -> l.startsWith("DMA-API")));
    }

    @Test
    void dmaDebugOffOnTheCommandLine() {
        DebugBoot off = DebugBoot.of("qemu-virt-arm64-testdevs", "console=ttyAMA0 dma_debug=off");
        List<String> kernel = off.boot.log().kernelText();
        assertEquals("DMA-API: debugging disabled on kernel command line",
            kernel.get(kernel.indexOf("Kernel command line: console=ttyAMA0 dma_debug=off") + 1));
        assertTrue(kernel.stream().noneMatch(l -> l.startsWith("DMA-API: preallocated")));
        assertTrue(off.debug.disabled());
        assertEquals("Y\n", off.debug.read("disabled"));
        assertEquals("0\n", off.debug.read("nr_total_entries"));
        DmaDevice dev = off.dev("dma-test-coh");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> off.dma.unmapPage(dev, new DmaAddr(0x7f000000L), 64, DmaDirection.TO_DEVICE, 0));
        assertTrue(e.getMessage().contains("without DMA-API debugging Linux does not notice"), e.getMessage());
        assertEquals(0, off.debug.errorCount());
    }

    @Test
    void onlyTheFirstErrorIsPrintedAndAllAreCounted() {
        assertEquals(List.of(notAllocated("platform", "dma-test-coh")), oneError(coh));
        assertEquals(List.of(), oneError(coh));
        assertEquals(List.of(), oneError(nc));
        assertEquals(3, b.debug.errorCount());
        assertEquals("0\n", b.debug.read("num_errors"));
    }

    @Test
    void numErrorsAndAllErrors() {
        assertEquals(List.of(), b.debug.write("num_errors", "0x2"));
        assertEquals("2\n", b.debug.read("num_errors"));
        assertEquals(1, oneError(coh).size());
        assertEquals(1, oneError(coh).size());
        assertEquals(0, oneError(coh).size());
        b.debug.write("all_errors", "1\n");
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of(notAllocated("platform", "dma-test-nc")), oneError(nc));
        }
        assertEquals("0\n", b.debug.read("num_errors"), "all_errors does not use num_errors up");
        assertEquals(6, b.debug.errorCount());
    }

    @Test
    void debugfsWritesTheKernelRefuses() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.debug.write("num_errors", "-1")).getMessage()
            .contains("write error: Invalid argument (-EINVAL)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.debug.write("num_errors", "99999999999999999999"))
            .getMessage().contains("-ERANGE"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.debug.write("error_count", "0")).getMessage()
            .contains("read-only"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.debug.read("errors")).getMessage()
            .contains("/sys/kernel/debug/dma-api/errors: No such file or directory"));
        assertEquals("1\n", b.debug.read("num_errors"), "nothing changed");
        assertEquals("8\n", write("num_errors", "010"), "a leading 0 is octal");
        assertEquals("4294967295\n", write("num_errors", "0xffffffff"));
        assertEquals("0\n", write("num_errors", "0x100000000"), "a u32 keeps the low bits");
    }

    private String write(String file, String value) {
        b.debug.write(file, value);
        return b.debug.read(file);
    }

    @Test
    void theDriverFilter() {
        b.dma.bindDriver(coh, "drva");
        b.dma.bindDriver(nc, "drvb");
        assertEquals(List.of("DMA-API: enable driver filter for driver [drvb]"), b.debug.write("driver_filter", "drvb\n"));
        assertEquals("drvb\n", b.debug.read("driver_filter"));
        assertEquals(List.of(), oneError(coh), "another driver's error is counted, not printed, and uses num_errors");
        assertEquals(List.of(), oneError(nc));
        b.debug.write("all_errors", "1");
        assertEquals(List.of(), oneError(coh));
        assertEquals(List.of(notAllocated("drvb", "dma-test-nc")), oneError(nc), "messages name the bound driver");
        assertEquals(4, b.debug.errorCount());
        assertEquals(List.of("DMA-API: switching off dma-debug driver filter"), b.debug.write("driver_filter", "\n"));
        assertEquals("", b.debug.read("driver_filter"));
        assertEquals(List.of(notAllocated("drva", "dma-test-coh")), oneError(coh));
    }

    @Test
    void theDriverFilterFromTheCommandLine() {
        DebugBoot f = DebugBoot.of("qemu-virt-arm64-testdevs", "console=ttyAMA0 dma_debug_driver=e1000e");
        assertTrue(f.boot.log().kernelText().contains("DMA-API: enable driver filter for driver [e1000e]"));
        assertEquals("e1000e\n", f.debug.read("driver_filter"));
    }

    @Test
    void theDumpFile() {
        long single = b.page() + 0x40;
        DmaAddr a = b.dma.mapPage(coh, Page.pfnDown(single), 0x40, 256, DmaDirection.TO_DEVICE, 0);
        long p1 = b.page();
        long p2 = b.page();
        org.dmasim.api.dma.SgTable sg = org.dmasim.api.dma.SgTable.of(new long[] {p1, p2 + 0x80},
            new long[] {4096, 512});
        b.dma.mapSg(coh, sg, 2, DmaDirection.FROM_DEVICE, 0);
        var buf = b.dma.allocCoherent(nc, 4096, org.dmasim.api.mm.Gfp.GFP_KERNEL).orElseThrow();
        DmaDevice dr = b.dev("dma-test-bus:dma-test-dr");
        b.dma.mapResource(dr, new org.dmasim.api.addr.PhysAddr(0x9000000L), 0x1000, DmaDirection.BIDIRECTIONAL, 0);

        Map<Long, List<String>> byAddress = new java.util.TreeMap<>();
        line(byAddress, a.value(), "platform dma-test-coh single", single, 0x100, "DMA_TO_DEVICE", "not checked");
        line(byAddress, p1, "platform dma-test-coh scather-gather", p1, 0x1000, "DMA_FROM_DEVICE", "check not applicable");
        line(byAddress, p2 + 0x80, "platform dma-test-coh scather-gather", p2 + 0x80, 0x200, "DMA_FROM_DEVICE",
            "check not applicable");
        line(byAddress, buf.dmaHandle(), "platform dma-test-nc coherent", buf.phys(), 0x1000, "DMA_BIDIRECTIONAL",
            "check not applicable");
        line(byAddress, 0x9000000L, "platform dma-test-bus:dma-test-dr resource", 0x9000000L, 0x1000,
            "DMA_BIDIRECTIONAL", "not checked");
        List<String> expected = new ArrayList<>();
        byAddress.entrySet().stream().sorted(Map.Entry.comparingByKey((x, y) -> Integer.compare(bucket(x), bucket(y))))
            .forEach(e -> expected.addAll(e.getValue()));
        assertEquals(expected, b.debug.dump());
        assertEquals(String.join("\n", expected) + "\n", b.debug.read("dump"));

        b.dma.mappingError(coh, a);
        assertTrue(b.debug.dump().contains(String.format("platform dma-test-coh single idx %d P=%x N=%x D=%x L=100"
            + " DMA_TO_DEVICE dma map error checked", bucket(a.value()), single, single >>> 12, a.value())));
    }

    private static int bucket(long devAddr) {
        return (int) ((devAddr >>> 13) & 16383);
    }

    private static void line(Map<Long, List<String>> out, long dma, String who, long phys, long len, String dir,
        String maperr) {
        out.computeIfAbsent(dma, k -> new ArrayList<>()).add(String.format("%s idx %d P=%x N=%x D=%x L=%x %s dma map"
            + " error %s", who, bucket(dma), phys, phys >>> 12, dma, len, dir, maperr));
    }

    @Test
    void thePoolGrowsAPageAtATimeAndSaysSoAtEachMultipleOfItsStart() {
        DebugBoot small = DebugBoot.of("qemu-virt-arm64-testdevs", "console=ttyAMA0 dma_debug_entries=64");
        assertTrue(small.boot.log().kernelText().contains("DMA-API: preallocated 64 debug entries"));
        DmaDevice dev = small.dev("dma-test-coh");
        long pfn = Page.pfnDown(small.page());
        List<String> printed = new ArrayList<>();
        List<DmaAddr> maps = new ArrayList<>();
        for (int i = 0; i < 97; i++) {
            printed.addAll(small.kernelDuring(() -> maps.add(small.dma.mapPage(dev, pfn, 0, 64, DmaDirection.TO_DEVICE,
                0))));
            if (i == 63) {
                assertEquals("0\n", small.debug.read("num_free_entries"));
                assertEquals("64\n", small.debug.read("nr_total_entries"));
            }
            if (i == 64) {
                assertEquals(List.of(), printed, "grown to 96: not a multiple of 64");
                assertEquals("96\n", small.debug.read("nr_total_entries"));
            }
        }
        assertEquals(List.of("DMA-API: dma_debug_entry pool grown to 128 (200%)"), printed);
        for (DmaAddr a : maps) {
            small.dma.mappingError(dev, a);
            small.dma.unmapPage(dev, a, 64, DmaDirection.TO_DEVICE, 0);
        }
        assertEquals("128\n", small.debug.read("num_free_entries"));
        assertEquals("0\n", small.debug.read("min_free_entries"));
        assertEquals(0, small.debug.errorCount());
    }

    @Test
    void thePreallocationIsWholePages() {
        assertTrue(DebugBoot.of("qemu-virt-arm64-testdevs", "dma_debug_entries=100").boot.log().kernelText()
            .contains("DMA-API: preallocated 128 debug entries"));
        assertTrue(DebugBoot.of("qemu-virt-arm64-testdevs", "dma_debug_entries=lots").boot.log().kernelText()
            .contains("DMA-API: preallocated 65536 debug entries"), "get_option finds no number: the default");
    }
}
