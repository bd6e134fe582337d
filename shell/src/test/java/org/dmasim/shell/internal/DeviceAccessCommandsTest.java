package org.dmasim.shell.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.PhysAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.shell.StubPlatform;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.testing.FakeDevice;
import org.dmasim.testing.FakeRam;
import org.junit.jupiter.api.Test;

/**
 * The device's side of DMA behind an IOMMU: IOVA pages that map scattered physical pages, an
 * unmapped page that faults (with the event lines the kernel prints), and a page still reached
 * through a stale IOTLB entry.
 */
class DeviceAccessCommandsTest {
    private static final String DEV = "0000:00:02.0";
    private static final long IOVA = 0xffffe000L;
    private static final String EVENT = "arm-smmu-v3 9050000.smmuv3: event 0x10 received:";

    private final DeviceAccessCommands commands = new DeviceAccessCommands();
    private final FakeRam ram = new FakeRam(0x4000_0000L, 0x4100_0000L);
    private final FakeDevice dev = new FakeDevice(DEV, 0);
    /** IOVA page to physical page; what is not here faults. */
    private final Map<Long, Long> pages = new HashMap<>();
    /** Pages reached through a stale IOTLB entry. */
    private final List<Long> stale = new ArrayList<>();
    /** Each translation asked for: bus address, length, write. */
    private final List<String> translations = new ArrayList<>();
    private final FakeIommu iommu = new FakeIommu().group(0, "DMA-FQ", DEV);
    private final StubPlatform platform = new StubPlatform("smmu", State.BOOTED, null);

    DeviceAccessCommandsTest() {
        pages.put(IOVA, 0x4080_0000L);
        pages.put(IOVA + 0x1000, 0x4020_0000L); // not next to the first page: contiguous only as IOVAs
        DmaApi api = (DmaApi) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DmaApi.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "device" -> Optional.of(dev).filter(d -> d.name().equals(args[0]));
                case "devices" -> List.of(dev);
                case "deviceAccess" -> translate((DmaAddr) args[1], (long) args[2], (boolean) args[3]);
                default -> throw new UnsupportedOperationException(method.getName());
            });
        CpuCache cache = (CpuCache) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {CpuCache.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "device" -> ram;
                case "stats" -> new CacheStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
                default -> throw new UnsupportedOperationException(method.getName());
            });
        platform.with(DmaApi.class, api).with(CpuCache.class, cache).with(Iommu.class, iommu);
        commands.platforms = List.of(platform);
    }

    /** One IOMMU translation: never across a page, as the device's bursts never cross 4 KiB. */
    private PhysAddr translate(DmaAddr addr, long len, boolean write) {
        long a = addr.value();
        translations.add(String.format("%#x+%d%s", a, len, write ? "w" : "r"));
        if ((a & ~0xfffL) != ((a + len - 1) & ~0xfffL)) {
            throw new IllegalArgumentException("the IOVA range is not physically contiguous");
        }
        Long phys = pages.get(a & ~0xfffL);
        if (stale.contains(a & ~0xfffL)) {
            iommu.staleHits++;
        }
        if (phys == null) {
            platform.bootLog().info(EVENT);
            throw new BusFault(DEV, a, String.format("arm-smmu-v3 9050000.smmuv3 %s at %#x (stream 0x10): translation"
                + " fault (event 0x10): no page-table entry maps it; the access is aborted, memory untouched",
                write ? "write" : "read", a));
        }
        return new PhysAddr(phys + (a & 0xfff));
    }

    private static String text(Object dto) {
        return ShellFormatter.formatAny(dto);
    }

    @Test
    void read_acrossAPage_eachPageTranslatedOnItsOwn() {
        ram.write(0x4080_0ffeL, new byte[] {0x7a, 0x7b}, 0, 2);
        ram.write(0x4020_0000L, new byte[] {0x41, 0x42, 0x43}, 0, 3);
        assertEquals("device_read(0000:00:02.0, 0xffffeffe, 5) = 7a 7b 41 42 43",
            text(commands.device_read("", DEV, "0xffffeffe", "5")));
        assertEquals(List.of("0xffffeffe+2r", "0xfffff000+3r"), translations);
    }

    @Test
    void write_acrossAPage_asWrites_landsInBothPhysicalPages() {
        assertEquals("device_write(0000:00:02.0, 0xffffeffe, 01020304) = 4",
            text(commands.device_write("", DEV, "0xffffeffe", "01020304")));
        assertEquals(List.of("0xffffeffe+2w", "0xfffff000+2w"), translations);
        byte[] b = new byte[2];
        ram.read(0x4080_0ffeL, b, 0, 2);
        assertArrayEquals(new byte[] {1, 2}, b);
        ram.read(0x4020_0000L, b, 0, 2);
        assertArrayEquals(new byte[] {3, 4}, b);
    }

    @Test
    void fill_ofThreePages_threeBursts() {
        pages.put(IOVA + 0x2000, 0x4000_0000L);
        assertEquals("device_fill(0000:00:02.0, 0xffffe000, 12288, 0x11) = 12288",
            text(commands.device_fill("", DEV, "0xffffe000", "12288", "0x11")));
        assertEquals(List.of("0xffffe000+4096w", "0xfffff000+4096w", "0x100000000+4096w"), translations);
    }

    @Test
    void read_ofAnUnmappedPage_isABusError_withTheKernelsEventLines() {
        assertEquals(EVENT + "\ndevice_read(0000:00:02.0, 0x100000000, 4) = bus error: arm-smmu-v3 9050000.smmuv3 read"
            + " at 0x100000000 (stream 0x10): translation fault (event 0x10): no page-table entry maps it; the access"
            + " is aborted, memory untouched", text(commands.device_read("", DEV, "0x100000000", "4")));
    }

    @Test
    void write_runningIntoAnUnmappedPage_stopsThere_afterTheBurstsBefore() {
        String r = text(commands.device_fill("", DEV, "0xfffffffe", "4", "0x5a"));
        assertEquals(EVENT + "\ndevice_fill(0000:00:02.0, 0xfffffffe, 4, 0x5a) = bus error after 2 bytes: arm-smmu-v3"
            + " 9050000.smmuv3 write at 0x100000000 (stream 0x10): translation fault (event 0x10): no page-table entry"
            + " maps it; the access is aborted, memory untouched", r);
        byte[] b = new byte[2];
        ram.read(0x4020_0ffeL, b, 0, 2);
        assertEquals("5a5a", HexFormat.of().formatHex(b));
    }

    @Test
    void read_throughAStaleIotlbEntry_isCountedAndSaid() {
        stale.add(IOVA);
        ram.write(0x4080_0000L, new byte[] {0x48, 0x69}, 0, 2);
        assertEquals("dmasim: 1 stale IOTLB hit: the device reached an IOVA that is unmapped (a lazy unmap whose"
            + " invalidation still waits in the flush queue)\ndevice_read(0000:00:02.0, 0xffffe000, 2) = 48 69",
            text(commands.device_read("", DEV, "0xffffe000", "2")));
    }

    @Test
    void read_whereNoRamAnswers_isADecodeError() {
        pages.put(IOVA, 0x8000_0000L);
        assertEquals("device_read(0000:00:02.0, 0xffffe000, 2) = bus error: no RAM at 0x80000000 (decode error)",
            text(commands.device_read("", DEV, "0xffffe000", "2")));
    }

    @Test
    void zeroBytes_noBusAccess() {
        assertEquals("device_read(0000:00:02.0, 0x0, 0) = ", text(commands.device_read("", DEV, "0", "0")));
        assertEquals(List.of(), translations);
        DmaDevice unused = dev;
        assertEquals(DEV, unused.name());
    }
}
