package org.dmasim.shell.internal;

import static org.dmasim.shell.internal.Streaming.given;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.MappingDTO;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.internal.Streaming.Target;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code dma}, the device's side of streaming DMA: what a device reads and writes at
 * a bus address, through its DMA window or its IOMMU, a bounce buffer, and (non-coherent) RAM
 * behind the CPU cache. Each command takes a bus address or what a map returned
 * ({@link StreamingCommands}). An access the bus refuses is the command's result
 * ({@code = bus error: ...}, after the IOMMU's fault events), not a failure of the command: what
 * a device does is what these commands show, faults included.
 */
@Component(service = DeviceAccessCommands.class, property = {
    "osgi.command.scope=dma",
    "osgi.command.function=device_read",
    "osgi.command.function=device_write",
    "osgi.command.function=device_fill"
})
public class DeviceAccessCommands {
    /** A DMA engine's bursts stay inside one 4 KiB block of bus addresses (PCIe, AXI). */
    private static final long BURST = 4096;

    /** Largest device_read, as cpu_read allows. */
    private static final long MAX_READ = 1 << 20;

    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    /** A length within what one command reads or writes, or an error naming the command. */
    private static void checkLen(String function, long n, String len) {
        if (n < 0 || n > MAX_READ) {
            throw new IllegalArgumentException(function + ": len " + len + " (expected 0..1M bytes)");
        }
    }

    @Descriptor("what the device reads at a bus address (hex dump): through its window or IOMMU, the bounce buffer,"
        + " the cache as the device sees it (non-coherent: RAM only); a bus error (an IOMMU fault) is the result")
    public ResultDTO device_read(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor("number of bytes") String len) {
        Target t = Target.of(platforms, platform, device);
        long dma = Args.number("dma_addr", dma_addr);
        long n = Args.number("len", len);
        checkLen("device_read", n, len);
        CpuCache cache = PlatformSelector.facility(t.platform(), CpuCache.class, "platform");
        CacheStats before = cache.stats();
        byte[] b = new byte[(int) n];
        Access a = access(t, cache, dma, b, false);
        List<String> args = List.of(device, ShellFormatter.hex(dma), len);
        if (a.fault() != null) {
            return ResultDTO.of(t.platform().name(), "device_read", args, a.fault()).printed(a.printed());
        }
        long stale = cache.stats().since(before).staleDeviceReads();
        if (stale > 0) {
            a.printed().add(String.format("%s%d cache line%s read stale: the CPU cache held newer, dirty bytes (a"
                + " missing dma_sync_*_for_device on a non-coherent device)", ShellFormatter.DMASIM_PREFIX, stale,
                stale == 1 ? "" : "s"));
        }
        return ResultDTO.of(t.platform().name(), "device_read", args, HexFormat.ofDelimiter(" ").formatHex(b))
            .printed(a.printed());
    }

    /**
     * What one device access did: the kernel lines printed meanwhile (an IOMMU's fault events)
     * and the simulator's remarks, and the bus error that ended it, null when it completed.
     */
    private record Access(List<String> printed, String fault) {
    }

    /**
     * The device reads {@code buf.length} bytes at a bus address into {@code buf}, or writes them
     * there, as its DMA engine does: in bursts that stay inside one 4 KiB block of bus addresses,
     * each translated on its own ({@code DmaApi.deviceAccess}), because behind an IOMMU an IOVA
     * range is contiguous only page by page. A burst the bus refuses (an IOMMU fault, a revoked
     * mapping, no memory at the address) ends the access with a bus error; the bursts before it
     * were done, as on hardware.
     */
    private static Access access(Target t, CpuCache cache, long dma, byte[] buf, boolean write) {
        PhysMemory port = cache.device(t.dev().coherent());
        Iommu iommu = t.platform().lookup(Iommu.class).orElse(null);
        long staleBefore = iommu == null ? 0 : iommu.counters().staleHits();
        List<String> printed = new ArrayList<>();
        String fault = Streaming.capturing(t.platform(), printed, () -> {
            int done = 0;
            while (done < buf.length) {
                long bus = dma + done;
                int n = (int) Math.min(buf.length - done, BURST - (bus & (BURST - 1)));
                long phys;
                try {
                    phys = t.api().deviceAccess(t.dev(), new DmaAddr(bus), n, write).value();
                } catch (BusFault f) {
                    return busError(done, f.getMessage());
                }
                try {
                    if (write) {
                        port.write(phys, buf, done, n);
                    } else {
                        port.read(phys, buf, done, n);
                    }
                } catch (IllegalArgumentException e) {
                    return busError(done, String.format("no RAM at %#x (decode error)", phys));
                }
                done += n;
            }
            return null;
        });
        long stale = iommu == null ? 0 : iommu.counters().staleHits() - staleBefore;
        if (stale > 0) {
            printed.add(String.format("%s%d stale IOTLB hit%s: the device reached an IOVA that is unmapped (a lazy"
                + " unmap whose invalidation still waits in the flush queue)", ShellFormatter.DMASIM_PREFIX, stale,
                stale == 1 ? "" : "s"));
        }
        return new Access(printed, fault);
    }

    /** The result of an access the bus ended: after how many bytes, and why. */
    private static String busError(int done, String why) {
        return "bus error" + (done == 0 ? "" : " after " + done + " bytes") + ": " + why;
    }

    @Descriptor("what the device reads of a whole mapping (hex dump)")
    public ResultDTO device_read(@Descriptor(Args.MAPPING) MappingDTO mapping) {
        given(mapping, "mapping");
        return device_read(mapping.platform, mapping.device, ShellFormatter.hex(mapping.dma),
            Long.toString(mapping.size));
    }

    @Descriptor("the device writes bytes at a bus address (non-coherent: into RAM, behind the CPU cache)")
    public ResultDTO device_write(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor("the bytes in hex, e.g. deadbeef") String bytes) {
        byte[] b;
        try {
            b = HexFormat.of().parseHex(bytes.replace(" ", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device_write: bytes '" + bytes + "' (expected an even number of hex"
                + " digits, e.g. deadbeef)");
        }
        return deviceWrites(platform, "device_write", device, dma_addr, List.of(bytes), b);
    }

    /** The device writes {@code b} at a bus address, through its port to memory (non-coherent: RAM only). */
    private ResultDTO deviceWrites(String platform, String function, String device, String dmaAddr,
        List<String> shown, byte[] b) {
        Target t = Target.of(platforms, platform, device);
        long dma = Args.number("dma_addr", dmaAddr);
        CpuCache cache = PlatformSelector.facility(t.platform(), CpuCache.class, "platform");
        Access a = access(t, cache, dma, b, true);
        List<String> args = new ArrayList<>(List.of(device, ShellFormatter.hex(dma)));
        args.addAll(shown);
        if (a.fault() != null) {
            return ResultDTO.of(t.platform().name(), function, args, a.fault()).printed(a.printed());
        }
        return ResultDTO.number(t.platform().name(), function, args, b.length, false).printed(a.printed());
    }

    @Descriptor("the device writes bytes at the start of a mapping")
    public ResultDTO device_write(@Descriptor(Args.MAPPING) MappingDTO mapping,
        @Descriptor("the bytes in hex, e.g. deadbeef") String bytes) {
        given(mapping, "mapping");
        return device_write(mapping.platform, mapping.device, ShellFormatter.hex(mapping.dma), bytes);
    }

    @Descriptor("the device fills LEN bytes at a bus address with one byte value, as a DMA engine's memset does"
        + " (non-coherent: into RAM, behind the CPU cache)")
    public ResultDTO device_fill(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor("number of bytes") String len, @Descriptor("the byte value, e.g. 0x11") String value) {
        long n = Args.number("len", len);
        long v = Args.number("value", value);
        checkLen("device_fill", n, len);
        if (v < 0 || v > 0xff) {
            throw new IllegalArgumentException("device_fill: value " + value + " (expected one byte, 0..0xff)");
        }
        byte[] b = new byte[(int) n];
        Arrays.fill(b, (byte) v);
        return deviceWrites(platform, "device_fill", device, dma_addr, List.of(len, value), b);
    }

    @Descriptor("the device fills a whole mapping with one byte value")
    public ResultDTO device_fill(@Descriptor(Args.MAPPING) MappingDTO mapping,
        @Descriptor("the byte value, e.g. 0x11") String value) {
        given(mapping, "mapping");
        return device_fill(mapping.platform, mapping.device, ShellFormatter.hex(mapping.dma),
            Long.toString(mapping.size), value);
    }
}
