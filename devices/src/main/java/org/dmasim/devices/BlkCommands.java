package org.dmasim.devices;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Platform;
import org.dmasim.devices.api.BlockConfig;
import org.dmasim.devices.api.BlockHw;
import org.dmasim.devices.api.BusLimits;
import org.dmasim.devices.api.DeviceModels;
import org.dmasim.devices.api.DmaDescriptor;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code blk}: the scatter-gather block device and its driver from a script.
 * {@code write} and {@code read} play the block layer: the request's buffer is one physically
 * contiguous block from the page allocator (a bio of one large segment), filled or checked
 * through the linear map; the driver maps it with {@code dma_map_sg}, cuts the DMA segment into
 * descriptors within the engine's limits and submits them. Each shows the DMA segments, the
 * descriptors and the device's verdict, so a driver that ignores the segment limits is seen
 * being refused.
 */
@Component(service = BlkCommands.class, property = {
    "osgi.command.scope=blk",
    "osgi.command.function=probe",
    "osgi.command.function=remove",
    "osgi.command.function=write",
    "osgi.command.function=read",
    "osgi.command.function=stats"
})
public class BlkCommands {
    /** The largest request buffer the commands allocate (the device refuses more than its max transfer anyway). */
    private static final long MAX_BUFFER = 1 << 20;
    private static final String SECTOR = "the first 512-byte sector on the medium";
    private static final String OFFSET = "where the data starts in its first page (default 0), to cross a boundary";

    @Reference
    DeviceModels models;

    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private SgBlockDriver driver(Platform p, String device) {
        return (SgBlockDriver) ShellArgs.bound(models.block(p, device), "blk", p, device);
    }

    @Descriptor("probe the scatter-gather block driver on a device: DMA mask, dma_set_max_seg_size, dma_set_seg_boundary")
    public ResultDTO probe(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Parameter(names = {"--bits"}, absentValue = "64") @Descriptor(ShellArgs.BITS) String bits,
        @Parameter(names = {"--mask"}, absentValue = "") @Descriptor(ShellArgs.MASK) String mask,
        @Parameter(names = {"--max-seg"}, absentValue = "") @Descriptor(ShellArgs.MAX_SEG + " (default 64K)") String size,
        @Parameter(names = {"--boundary"}, absentValue = "") @Descriptor(ShellArgs.BOUNDARY + " (default 0xffff)") String boundary,
        @Parameter(names = {"--max-transfer"}, absentValue = "256K") @Descriptor("bytes one request moves at most") String bytes,
        @Parameter(names = {"--capacity"}, absentValue = "131072") @Descriptor("sectors on the medium") String sectors,
        @Parameter(names = {"--bug"}, absentValue = "") @Descriptor(ShellArgs.BUGS) String bugs,
        @Descriptor(ShellArgs.DEVICE) String device) {
        Platform p = ShellArgs.platform(platforms, platform);
        BlockConfig defaults = BlockConfig.of(64);
        BusLimits limits = ShellArgs.limits(bits, size, boundary, defaults.limits());
        BlockConfig config = new BlockConfig(limits, ShellArgs.size("capacity", sectors),
            ShellArgs.size("max-transfer", bytes), ShellArgs.maskBits(mask, limits.addressBits()),
            ShellArgs.bugs(bugs));
        models.probeBlock(p, device, config);
        return ResultDTO.of(p.name(), "probe", List.of(device), String.format("sg-block: %d sectors, %s bytes per"
            + " request, %d-bit engine, DMA mask %d bits, max segment %s, boundary %s, bugs: %s",
            config.capacitySectors(), ShellFormatter.hex(config.maxTransferBytes()), limits.addressBits(),
            config.maskBits(), ShellFormatter.hex(limits.maxSegmentSize()),
            ShellFormatter.hex(limits.segmentBoundary()), ShellArgs.shown(config.bugs())));
    }

    @Descriptor("the driver's remove: unbinds the device")
    public ResultDTO remove(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device) {
        Platform p = ShellArgs.platform(platforms, platform);
        driver(p, device).remove();
        return ResultDTO.of(p.name(), "remove", List.of(device), null);
    }

    @Descriptor("a write request: LEN bytes of the pattern DATA to the medium at SECTOR; shows the DMA segments,"
        + " the descriptors and the device's verdict; 0 or -errno")
    public ResultDTO write(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Parameter(names = {"--offset"}, absentValue = "0") @Descriptor(OFFSET) String bytes,
        @Descriptor(ShellArgs.DEVICE) String device, @Descriptor(SECTOR) String sector,
        @Descriptor(ShellArgs.DATA) String data, @Descriptor("bytes, whole sectors") String len) {
        Platform p = ShellArgs.platform(platforms, platform);
        SgBlockDriver blk = driver(p, device);
        byte[] payload = ShellArgs.bytes(data, len, MAX_BUFFER);
        long first = ShellArgs.size("sector", sector);
        Buffer buf = Buffer.alloc(blk, ShellArgs.within("offset", bytes, 0, Page.PAGE_SIZE - 1), payload.length);
        try {
            buf.vm.cpuWrite(buf.vm.linearAddress(buf.phys()), payload);
            int r = blk.transfer(true, first, SgTable.one(buf.phys(), payload.length));
            List<String> lines = trace(blk);
            return ResultDTO.number(p.name(), "write", List.of(device, sector, data, len), r, false).printed(lines);
        } finally {
            buf.free();
        }
    }

    @Descriptor("a read request: LEN bytes from the medium at SECTOR into a fresh buffer; shows the DMA segments,"
        + " the descriptors, the device's verdict and the bytes the CPU reads; 0 or -errno")
    public ResultDTO read(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Parameter(names = {"--offset"}, absentValue = "0") @Descriptor(OFFSET) String bytes,
        @Descriptor(ShellArgs.DEVICE) String device, @Descriptor(SECTOR) String sector,
        @Descriptor("bytes, whole sectors") String len) {
        Platform p = ShellArgs.platform(platforms, platform);
        SgBlockDriver blk = driver(p, device);
        int n = (int) ShellArgs.within("len", len, 1, MAX_BUFFER);
        long first = ShellArgs.size("sector", sector);
        Buffer buf = Buffer.alloc(blk, ShellArgs.within("offset", bytes, 0, Page.PAGE_SIZE - 1), n);
        try {
            int r = blk.transfer(false, first, SgTable.one(buf.phys(), n));
            List<String> lines = trace(blk);
            if (r == 0) {
                byte[] got = buf.vm.cpuRead(buf.vm.linearAddress(buf.phys()), n);
                boolean same = Arrays.equals(got, blk.hw().readMedium(first, n));
                lines.add("cpu: " + ShellArgs.preview(got) + (same ? ", as on the medium" : ", NOT as on the medium"));
            }
            return ResultDTO.number(p.name(), "read", List.of(device, sector, len), r, false).printed(lines);
        } finally {
            buf.free();
        }
    }

    /** The request's buffer: a naturally aligned buddy block holding {@code len} bytes from {@code offset}. */
    private record Buffer(PageAllocator pages, KernelVm vm, long pfn, int order, long offset) {
        static Buffer alloc(SgBlockDriver blk, long offset, long len) {
            Facilities f = blk.facilities();
            long npages = (offset + len + Page.PAGE_SIZE - 1) / Page.PAGE_SIZE;
            int order = 64 - Long.numberOfLeadingZeros(npages - 1);
            long pfn = f.pages().allocPages(Gfp.GFP_KERNEL, order);
            if (pfn == PageAllocator.NO_PAGE) {
                throw new IllegalStateException("blk: no memory for a request buffer of " + len
                    + " bytes (alloc_pages order " + order + " failed)");
            }
            return new Buffer(f.pages(), f.vm(), pfn, order, offset);
        }

        long phys() {
            return Page.pfnPhys(pfn) + offset;
        }

        void free() {
            pages.freePages(pfn, order);
        }
    }

    /** The last request: segments, descriptors, the device's verdict. */
    private static List<String> trace(SgBlockDriver blk) {
        List<String> lines = new ArrayList<>();
        SgBlockDriver.Request r = blk.lastRequest().orElseThrow();
        if (r.completion() == null) {
            lines.add(r.result() == -Errno.ENOMEM ? "dma_map_sg: 0 segments: the buffer could not be mapped"
                : "driver: not whole sectors, or more than the device's " + blk.hw().maxTransferBytes()
                    + " bytes per request: nothing mapped");
            return lines;
        }
        lines.add("dma_map_sg: " + r.segments().size() + (r.segments().size() == 1 ? " segment: " : " segments: ")
            + r.segments().stream().map(s -> String.format("%#x+%#x", s.dmaAddress(), s.dmaLength()))
                .collect(Collectors.joining(" ")));
        lines.add("descriptors: " + r.descriptors().size() + ": " + r.descriptors().stream()
            .map(DmaDescriptor::toString).collect(Collectors.joining(" ")));
        String verdict = r.completion().status().name() + ", " + r.completion().bytesDone() + " bytes";
        lines.add("device: " + verdict + (r.completion().error().isEmpty() ? "" : ": " + r.completion().error()));
        return lines;
    }

    @Descriptor("the device's requests and its DMA engine's bus counters")
    public TextDTO stats(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(ShellArgs.PLATFORM) String platform,
        @Descriptor(ShellArgs.DEVICE) String device) {
        Platform p = ShellArgs.platform(platforms, platform);
        SgBlockDriver blk = driver(p, device);
        BlockHw hw = blk.hw();
        StringBuilder sb = new StringBuilder("sg-block statistics:\n");
        StatLines.stat(sb, "requests_completed", hw.requestsCompleted());
        StatLines.appendBus(sb, hw.bus().stats());
        return TextDTO.of(p.name(), "stats", sb.toString());
    }
}
