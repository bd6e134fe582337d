package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code dma:dma_map_benchmark}: the kernel's selftest tool
 * ({@code tools/testing/selftests/dma/dma_map_benchmark.c}) with its options and output lines,
 * running the benchmark module's loop ({@link MapBenchmark}) on one device of a platform. The
 * device is the one the kernel would have bound to the {@code dma_map_benchmark} driver.
 */
@Component(service = MapBenchmarkCommands.class, property = {
    "osgi.command.scope=dma",
    "osgi.command.function=dma_map_benchmark"
})
public class MapBenchmarkCommands {
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    @Descriptor("the kernel's DMA map benchmark on one device: map and unmap latency of dma_map_single"
        + " (options and output of tools/testing/selftests/dma/dma_map_benchmark; latencies are the"
        + " simulator's, compare them as ratios)")
    public TextDTO dma_map_benchmark(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Parameter(names = {"-t"}, absentValue = "1") @Descriptor("threads, 1-1024 (default 1)") String threads,
        @Parameter(names = {"-s"}, absentValue = "20") @Descriptor("seconds, 1-300 (default 20)") String seconds,
        @Parameter(names = {"-n"}, absentValue = "-1") @Descriptor("NUMA node, -1 for none (default -1)")
        String node,
        @Parameter(names = {"-b"}, absentValue = "32") @Descriptor("DMA mask bits, 20-64 (default 32)") String bits,
        @Parameter(names = {"-d"}, absentValue = "0")
        @Descriptor("direction: 0 BIDIRECTIONAL, 1 TO_DEVICE, 2 FROM_DEVICE (default 0)") String dir,
        @Parameter(names = {"-x"}, absentValue = "0")
        @Descriptor("pretended transfer time between map and unmap in ns, 0-10000000 (default 0)") String xdelay,
        @Parameter(names = {"-g"}, absentValue = "1") @Descriptor("granule: pages per mapping, 1-1024 (default 1)")
        String granule,
        @Descriptor(Args.DEVICE) String device) {
        // the tool reads its numbers with atoi(): "abc" is 0 and fails the range check that follows
        MapBenchmark.Params params = new MapBenchmark.Params(atoi(threads), atoi(seconds), atoi(node), atoi(bits),
            atoi(dir), atoi(xdelay), atoi(granule));
        String toolError = params.toolError();
        if (toolError != null) {
            throw new IllegalArgumentException("dma_map_benchmark: " + toolError);
        }
        Platform p = PlatformSelector.select(platforms, platform);
        DmaApi api = PlatformSelector.facility(p, DmaApi.class, "dma.core");
        PageAllocator pages = PlatformSelector.facility(p, PageAllocator.class, "mm.buddy");
        DmaDevice dev = api.device(device).orElseThrow(() -> new IllegalArgumentException(
            "dma_map_benchmark: no device '" + device + "' (devices: "
                + api.devices().stream().map(DmaDevice::name).toList() + ")"));
        int before = p.bootLog().lines().size();
        MapBenchmark.Result result;
        try {
            result = new MapBenchmark(api, pages, p.bootLog()).run(dev, params);
        } catch (MapBenchmark.IoctlError e) {
            List<String> lines = printedSince(p, before);
            lines.add("ioctl: " + strerror(e.errno));
            throw new IllegalStateException(String.join("\n", lines));
        }
        List<String> lines = printedSince(p, before);
        lines.add(params.headline());
        lines.addAll(result.lines());
        return TextDTO.of(p.name(), "dma_map_benchmark " + dev.name(), String.join("\n", lines));
    }

    private static List<String> printedSince(Platform p, int before) {
        List<LogLine> all = p.bootLog().lines();
        return new ArrayList<>(all.subList(before, all.size()).stream().map(ShellFormatter::logLine).toList());
    }

    /** {@code strerror} of the two errnos the ioctl returns. */
    private static String strerror(int errno) {
        return switch (Math.abs(errno)) {
            case Errno.EINVAL -> "Invalid argument";
            case Errno.ENOMEM -> "Cannot allocate memory";
            default -> "error " + errno;
        };
    }

    /** C's {@code atoi}: optional blanks and sign, then decimal digits up to the first other character; 0 for none. */
    static int atoi(String s) {
        int i = 0;
        int n = s.length();
        while (i < n && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            int d = s.charAt(i) - '0';
            v = v > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : v * 10 + d;
            i++;
        }
        v = negative ? -v : v;
        // glibc's atoi is (int) strtol(): strtol saturates at the long's range, the cast then keeps the low 32 bits
        return (int) v;
    }
}
