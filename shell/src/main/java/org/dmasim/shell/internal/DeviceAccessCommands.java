package org.dmasim.shell.internal;

import static org.dmasim.shell.internal.Streaming.given;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.CpuCache;
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
 * a bus address, through its DMA window, a bounce buffer, and (non-coherent) RAM behind the CPU
 * cache. Each command takes a bus address or what a map returned ({@link StreamingCommands}).
 */
@Component(service = DeviceAccessCommands.class, property = {
    "osgi.command.scope=dma",
    "osgi.command.function=device_read",
    "osgi.command.function=device_write",
    "osgi.command.function=device_fill"
})
public class DeviceAccessCommands {
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

    @Descriptor("what the device reads at a bus address (hex dump): through its window, the bounce buffer, the cache"
        + " as the device sees it (non-coherent: RAM only)")
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
        long phys = t.api().deviceAccess(t.dev(), new DmaAddr(dma), n).value();
        byte[] b = cache.device(t.dev().coherent()).read(phys, (int) n);
        long stale = cache.stats().since(before).staleDeviceReads();
        ResultDTO r = ResultDTO.of(t.platform().name(), "device_read", List.of(device, ShellFormatter.hex(dma), len),
            HexFormat.ofDelimiter(" ").formatHex(b));
        if (stale > 0) {
            r.printed(List.of(String.format("%s%d cache line%s read stale: the CPU cache held newer, dirty bytes (a"
                + " missing dma_sync_*_for_device on a non-coherent device)", ShellFormatter.DMASIM_PREFIX, stale,
                stale == 1 ? "" : "s")));
        }
        return r;
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
        long phys = t.api().deviceAccess(t.dev(), new DmaAddr(dma), b.length, true).value();
        cache.device(t.dev().coherent()).write(phys, b);
        List<String> args = new ArrayList<>(List.of(device, ShellFormatter.hex(dma)));
        args.addAll(shown);
        return ResultDTO.number(t.platform().name(), function, args, b.length, false);
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
