package org.dmasim.iommu.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaDirection;
import org.junit.jupiter.api.Test;

/**
 * Reference §13 worked flow 5 and note Phase E: a PCI device (edu, 0000:00:02.0) behind the SMMUv3
 * with a 64-bit mask. Linux 6.1 tries below 4 GiB first on every allocation (the SAC trick of
 * {@code iommu_dma_alloc_iova}), top-down from 0xfffff000, skipping the host bridge's MEM windows
 * (pfns 0x10000-0x3efef and 0x8000000-0xfffffff are reserved); when nothing fits below 4 GiB any
 * more, the full-limit attempt starts at the top of the 48-bit input space: 0xfffffffff000. 6.1
 * prints no "Using 64-bit DMA addresses" (that is 6.4+). {@code iommu.forcedac=1} skips the 32-bit
 * attempt from the start and dma-iommu says "Forcing DAC for PCI devices" at boot.
 */
class Flow5PciIovaTest {
    private static final long PAGE = 4096;

    private static DmaDevice edu64(SmmuRig r) {
        DmaDevice edu = r.edu();
        assertEquals(DmaDevice.Bus.PCI, edu.bus());
        assertEquals(0, r.dma.setMaskAndCoherent(edu, -1L));
        return edu;
    }

    private static List<String> log(SmmuRig r) {
        return r.boot.log().lines().stream().map(l -> l.text()).toList();
    }

    @Test
    void aPciDeviceWithA64BitMaskGetsIovasBelow4GibFirstTopDown() {
        SmmuRig r = SmmuRig.profile();
        DmaDevice edu = edu64(r);
        long buf = r.block(2);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            got.add(Long.toHexString(r.mapPage(edu, buf + i * PAGE, PAGE, DmaDirection.BIDIRECTIONAL)));
        }
        assertEquals(List.of("fffff000", "ffffe000", "ffffd000", "ffffc000"), got);
        assertTrue(r.iommu.iovaRanges(edu).stream().anyMatch(l -> l.startsWith("0x000010000000-0x00003efeffff reserved")),
            "the 32-bit MEM window is reserved: " + r.iommu.iovaRanges(edu));
        assertFalse(log(r).stream().anyMatch(l -> l.contains("Forcing DAC")));
    }

    /**
     * Fills every IOVA below 4 GiB (the free pfns are 0x1-0xffff and 0x3eff0-0xfffff) with
     * naturally aligned power-of-two ranges, each the one the allocator picks next, then maps a
     * page: the 32-bit attempt fails (retry pass included) and the full-limit one gives
     * 0xfffffffff000, then 0xffffffffe000. The big ranges map RAM from its start (0x40000000,
     * 1 GiB aligned: 1 GiB blocks), which the device never touches.
     */
    @Test
    void whenNothingIsLeftBelow4GibTheIovasComeFromTheTopOfThe48BitSpace() {
        SmmuRig r = SmmuRig.profile();
        DmaDevice edu = edu64(r);
        fillBelow4Gib(r, edu);
        long buf = r.block(1);
        r.cpuWrite(buf, SmmuRig.pattern(8192, 5));
        long first64 = r.mapPage(edu, buf, PAGE, DmaDirection.BIDIRECTIONAL);
        long second64 = r.mapPage(edu, buf + PAGE, PAGE, DmaDirection.BIDIRECTIONAL);
        assertEquals("fffffffff000", Long.toHexString(first64), "note Phase E: the first 64-bit IOVA");
        assertEquals("ffffffffe000", Long.toHexString(second64));
        assertArrayEquals(SmmuRig.pattern(8192, 5), concat(r.deviceRead(edu, first64, 4096), r.deviceRead(edu, second64,
            4096)), "the 64-bit IOVAs translate like any other");
        assertFalse(log(r).stream().anyMatch(l -> l.contains("Using 64-bit DMA addresses")), "6.1 has no such notice");
        // A page freed below 4 GiB goes to the rcache, where the next 32-bit attempt finds it first.
        r.unmapPage(edu, PAGE, PAGE, DmaDirection.TO_DEVICE);
        assertEquals("1000", Long.toHexString(r.mapPage(edu, buf, PAGE, DmaDirection.BIDIRECTIONAL)));
        assertEquals("ffffffffd000", Long.toHexString(r.mapPage(edu, buf, PAGE, DmaDirection.BIDIRECTIONAL)));
    }

    /** Maps naturally aligned ranges until no IOVA below 4 GiB is left, each where the allocator puts it. */
    private static void fillBelow4Gib(SmmuRig r, DmaDevice edu) {
        long ram = 0x40000000L;
        long[][] fill = {{0x40000, 0xc0000}, {0x40000, 0x80000}, {0x40000, 0x40000}, {0x1000, 0x3f000}, {0x10, 0x3eff0}};
        for (long[] f : fill) {
            long iova = r.mapPage(edu, ram, f[0] * PAGE, DmaDirection.TO_DEVICE);
            assertEquals(Long.toHexString(f[1] * PAGE), Long.toHexString(iova), f[0] + " pages");
        }
        for (long pages = 0x8000; pages >= 1; pages >>= 1) {
            long iova = r.mapPage(edu, ram, pages * PAGE, DmaDirection.TO_DEVICE);
            assertEquals(Long.toHexString(pages * PAGE), Long.toHexString(iova), pages + " pages below the 256 MiB window");
        }
    }

    /**
     * Linux 6.12 (6.4+): the first failed 32-bit attempt ends the PCI 32-bit workaround for the
     * device with a notice, once; a page freed below 4 GiB afterwards is not used for it again.
     */
    @Test
    void on612TheFirstFailureEndsThe32BitWorkaroundWithANotice() {
        SmmuRig r = SmmuRig.profile("kernel", "6.12");
        DmaDevice edu = edu64(r);
        fillBelow4Gib(r, edu);
        long buf = r.block(1);
        assertEquals("fffffffff000", Long.toHexString(r.mapPage(edu, buf, PAGE, DmaDirection.BIDIRECTIONAL)));
        assertEquals("ffffffffe000", Long.toHexString(r.mapPage(edu, buf, PAGE, DmaDirection.BIDIRECTIONAL)));
        assertEquals(1, log(r).stream().filter(l -> l.equals("pci 0000:00:02.0: Using 48-bit DMA addresses")).count(),
            String.join("\n", log(r)));
        // 16 MiB freed below 4 GiB go back to the tree (too large for the IOVA caches); 6.1 would
        // find them again with its 32-bit attempt, 6.12 allocates from the whole limit for good.
        r.unmapPage(edu, 0x3f000L * PAGE, 0x1000L * PAGE, DmaDirection.TO_DEVICE);
        long again = r.mapPage(edu, 0x40000000L, 0x1000L * PAGE, DmaDirection.TO_DEVICE);
        assertTrue(Long.compareUnsigned(again, 0xffffffffL) > 0, "above 4 GiB: " + Long.toHexString(again));
    }

    /** The same 16 MiB on 6.1: the 32-bit attempt, made every time, finds them again. */
    @Test
    void on61TheWorkaroundStaysAndFindsFreed32BitSpace() {
        SmmuRig r = SmmuRig.profile();
        DmaDevice edu = edu64(r);
        fillBelow4Gib(r, edu);
        long buf = r.block(1);
        assertEquals("fffffffff000", Long.toHexString(r.mapPage(edu, buf, PAGE, DmaDirection.BIDIRECTIONAL)));
        r.unmapPage(edu, 0x3f000L * PAGE, 0x1000L * PAGE, DmaDirection.TO_DEVICE);
        assertEquals("3f000000", Long.toHexString(r.mapPage(edu, 0x40000000L, 0x1000L * PAGE, DmaDirection.TO_DEVICE)));
    }

    @Test
    void forcedacSkipsThe32BitAttempt() {
        SmmuRig r = SmmuRig.profile("cmdline", "console=ttyAMA0 iommu.forcedac=1");
        assertTrue(log(r).contains("Forcing DAC for PCI devices"), String.join("\n", log(r)));
        DmaDevice edu = edu64(r);
        long buf = r.block(1);
        assertEquals("fffffffff000", Long.toHexString(r.mapPage(edu, buf, PAGE, DmaDirection.BIDIRECTIONAL)));
        assertEquals("ffffffffe000", Long.toHexString(r.mapPage(edu, buf + PAGE, PAGE, DmaDirection.BIDIRECTIONAL)));
    }

    @Test
    void forcedacLeavesA32BitMaskBelow4Gib() {
        SmmuRig r = SmmuRig.profile("cmdline", "console=ttyAMA0 iommu.forcedac=1");
        DmaDevice edu = r.edu();
        assertEquals(0, r.dma.setMaskAndCoherent(edu, 0xffffffffL));
        assertEquals("fffff000", Long.toHexString(r.mapPage(edu, r.page(), PAGE, DmaDirection.BIDIRECTIONAL)),
            "the limit is the mask: forcedac only drops the extra 32-bit try");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
