package org.dmasim.shell.internal;

import static org.dmasim.shell.internal.Streaming.api;
import static org.dmasim.shell.internal.Streaming.capturing;
import static org.dmasim.shell.internal.Streaming.given;
import static org.dmasim.shell.internal.Streaming.mapping;
import static org.dmasim.shell.internal.Streaming.run;
import static org.dmasim.shell.internal.Streaming.withAttrs;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.PhysAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.MappingDTO;
import org.dmasim.shell.format.MappingsDTO;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.internal.Streaming.Target;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code dma}, streaming half: the single-buffer map and unmap calls of
 * {@code include/linux/dma-mapping.h} by their kernel names ({@code dma_map_single},
 * {@code dma_map_page}, {@code dma_map_resource}), the queries on a bus address, and the live
 * mappings. A map returns a {@link MappingDTO} that the matching unmap and syncs take back; each
 * result shows what the kernel printed during the call. The syncs are {@link SyncCommands}, lists
 * {@link SgCommands}, the device's own reads and writes {@link DeviceAccessCommands}.
 */
@Component(service = StreamingCommands.class, property = {
    "osgi.command.scope=dma",
    "osgi.command.function=dma_map_single",
    "osgi.command.function=dma_unmap_single",
    "osgi.command.function=dma_map_page",
    "osgi.command.function=dma_unmap_page",
    "osgi.command.function=dma_map_resource",
    "osgi.command.function=dma_unmap_resource",
    "osgi.command.function=dma_mapping_error",
    "osgi.command.function=dma_need_sync",
    "osgi.command.function=mappings"
})
public class StreamingCommands {
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private Platform platform(String name) {
        return PlatformSelector.select(platforms, name);
    }

    // ---- map / unmap ----

    @Descriptor("map a buffer for a device by its kernel virtual address (kmalloc's, page_address'); bounces through"
        + " swiotlb when the device cannot reach it; $m = ... keeps it for dma_unmap_single $m")
    public MappingDTO dma_map_single(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor("kernel virtual address of the buffer, e.g. ($k addr)")
        String addr, @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir) {
        return dma_map_single(platform, device, addr, size, dir, "0");
    }

    @Descriptor("map a buffer for a device by its kernel virtual address (kmalloc's, page_address'); bounces through"
        + " swiotlb when the device cannot reach it; $m = ... keeps it for dma_unmap_single $m")
    public MappingDTO dma_map_single(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor("kernel virtual address of the buffer, e.g. ($k addr)")
        String addr, @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir,
        @Descriptor(Args.ATTRS) String attrs) {
        long cpu = Args.number("addr", addr);
        return map(platform, "dma_map_single", device, List.of(String.format("%#018x", cpu)), size, dir, attrs,
            vm -> vm.isLinear(cpu) ? vm.toPhys(cpu) : 0, (api, dev, n, d, a) -> api.mapSingle(dev, new CpuAddr(cpu), n,
                d, a));
    }

    /** How one map function maps: the call, with the size, direction and attributes parsed. */
    private interface MapCall {
        DmaAddr map(DmaApi api, DmaDevice dev, long size, DmaDirection dir, long attrs);
    }

    /**
     * A map command: the call as the user wrote it ({@code leading} are the arguments between the
     * device and the size), what the kernel printed meanwhile, and the mapping it made, with the
     * original buffer's physical address ({@code phys}, from the kernel's address space).
     */
    private MappingDTO map(String platform, String function, String device, List<String> leading, String size,
        String dir, String attrs, ToLongFunction<KernelVm> phys, MapCall call) {
        Target t = Target.of(platforms, platform, device);
        long n = Args.number("size", size);
        DmaDirection d = DmaDirection.parse(dir);
        long a = Args.attrs(attrs);
        List<String> printed = new ArrayList<>();
        DmaAddr h = capturing(t.platform(), printed, () -> call.map(t.api(), t.dev(), n, d, a));
        List<String> args = new ArrayList<>(List.of(device));
        args.addAll(leading);
        args.addAll(List.of(size, d.kernelName()));
        MappingDTO m = mapping(t.platform(), t.api(), t.dev(), function, withAttrs(args, a, attrs), h.value(), n, d,
            a, phys.applyAsLong(t.api().kernelVm()));
        m.printed = List.copyOf(printed);
        return m;
    }

    @Descriptor("map SIZE bytes from OFFSET into page PFN for a device; bounces through swiotlb when the device cannot"
        + " reach them")
    public MappingDTO dma_map_page(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor("page frame number, e.g. ($p pfn)") String pfn,
        @Descriptor("byte offset into the page") String offset, @Descriptor(Args.SIZE) String size,
        @Descriptor(Args.DIR) String dir) {
        return dma_map_page(platform, device, pfn, offset, size, dir, "0");
    }

    @Descriptor("map SIZE bytes from OFFSET into page PFN for a device; bounces through swiotlb when the device cannot"
        + " reach them")
    public MappingDTO dma_map_page(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor("page frame number, e.g. ($p pfn)") String pfn,
        @Descriptor("byte offset into the page") String offset, @Descriptor(Args.SIZE) String size,
        @Descriptor(Args.DIR) String dir, @Descriptor(Args.ATTRS) String attrs) {
        long frame = Args.number("pfn", pfn);
        long off = Args.number("offset", offset);
        return map(platform, "dma_map_page", device, List.of(ShellFormatter.hex(frame), offset), size, dir, attrs,
            vm -> Page.pfnPhys(frame) + off, (api, dev, n, d, a) -> api.mapPage(dev, frame, off, n, d, a));
    }

    private ResultDTO unmap(MappingDTO m, String function, String attrs) {
        given(m, "mapping");
        Target t = Target.of(platforms, m.platform, m.device);
        long a = Args.attrs(attrs);
        DmaDirection d = DmaDirection.parse(m.dir);
        DmaAddr dma = DmaAddr.of(m.dma);
        List<String> printed = new ArrayList<>();
        run(t.platform(), printed, () -> {
            switch (function) {
                case "dma_unmap_page" -> t.api().unmapPage(t.dev(), dma, m.size, d, a);
                case "dma_unmap_resource" -> t.api().unmapResource(t.dev(), dma, m.size, d, a);
                default -> t.api().unmapSingle(t.dev(), dma, m.size, d, a);
            }
        });
        List<String> args = List.of(m.device, ShellFormatter.hex(m.dma), ShellFormatter.hex(m.size), m.dir);
        return ResultDTO.of(t.platform().name(), function, withAttrs(args, a, attrs), null).printed(printed);
    }

    private ResultDTO unmap(String platform, String function, String device, String dmaAddr, String size, String dir,
        String attrs) {
        Platform p = platform(platform);
        MappingDTO m = new MappingDTO();
        m.platform = p.name();
        m.device = device;
        m.dma = Args.number("dma_addr", dmaAddr);
        m.size = Args.number("size", size);
        m.dir = DmaDirection.parse(dir).kernelName();
        return unmap(m, function, attrs);
    }

    @Descriptor("unmap what dma_map_single returned (copies a bounce buffer back for FROM_DEVICE/BIDIRECTIONAL)")
    public ResultDTO dma_unmap_single(@Descriptor(Args.MAPPING) MappingDTO mapping) {
        return unmap(mapping, "dma_unmap_single", "0");
    }

    @Descriptor("unmap what dma_map_single returned (copies a bounce buffer back for FROM_DEVICE/BIDIRECTIONAL)")
    public ResultDTO dma_unmap_single(@Descriptor(Args.MAPPING) MappingDTO mapping,
        @Descriptor(Args.ATTRS) String attrs) {
        return unmap(mapping, "dma_unmap_single", attrs);
    }

    @Descriptor("unmap a single mapping by its bus address, size and direction")
    public ResultDTO dma_unmap_single(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir) {
        return unmap(platform, "dma_unmap_single", device, dma_addr, size, dir, "0");
    }

    @Descriptor("unmap what dma_map_page returned")
    public ResultDTO dma_unmap_page(@Descriptor(Args.MAPPING) MappingDTO mapping) {
        return unmap(mapping, "dma_unmap_page", "0");
    }

    @Descriptor("unmap what dma_map_page returned")
    public ResultDTO dma_unmap_page(@Descriptor(Args.MAPPING) MappingDTO mapping,
        @Descriptor(Args.ATTRS) String attrs) {
        return unmap(mapping, "dma_unmap_page", attrs);
    }

    @Descriptor("unmap a page mapping by its bus address, size and direction")
    public ResultDTO dma_unmap_page(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir) {
        return unmap(platform, "dma_unmap_page", device, dma_addr, size, dir, "0");
    }

    @Descriptor("map SIZE bytes of MMIO (another device's registers or FIFO, a physical address) for a device: never"
        + " bounced, no cache maintenance")
    public MappingDTO dma_map_resource(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor("physical address of the resource") String phys_addr,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir) {
        return dma_map_resource(platform, device, phys_addr, size, dir, "0");
    }

    @Descriptor("map SIZE bytes of MMIO (another device's registers or FIFO, a physical address) for a device: never"
        + " bounced, no cache maintenance")
    public MappingDTO dma_map_resource(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor("physical address of the resource") String phys_addr,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir, @Descriptor(Args.ATTRS) String attrs) {
        long phys = Args.number("phys_addr", phys_addr);
        return map(platform, "dma_map_resource", device, List.of(ShellFormatter.hex(phys)), size, dir, attrs,
            vm -> phys, (api, dev, n, d, a) -> api.mapResource(dev, new PhysAddr(phys), n, d, a));
    }

    @Descriptor("unmap what dma_map_resource returned")
    public ResultDTO dma_unmap_resource(@Descriptor(Args.MAPPING) MappingDTO mapping) {
        return unmap(mapping, "dma_unmap_resource", "0");
    }

    @Descriptor("unmap what dma_map_resource returned")
    public ResultDTO dma_unmap_resource(@Descriptor(Args.MAPPING) MappingDTO mapping,
        @Descriptor(Args.ATTRS) String attrs) {
        return unmap(mapping, "dma_unmap_resource", attrs);
    }

    @Descriptor("unmap a resource mapping by its bus address, size and direction")
    public ResultDTO dma_unmap_resource(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir) {
        return unmap(platform, "dma_unmap_resource", device, dma_addr, size, dir, "0");
    }

    // ---- queries ----

    @Descriptor("0, or -12 (-ENOMEM) when the map failed")
    public ResultDTO dma_mapping_error(@Descriptor(Args.MAPPING) MappingDTO mapping) {
        given(mapping, "mapping");
        return dma_mapping_error(mapping.platform, mapping.device, ShellFormatter.hex(mapping.dma));
    }

    @Descriptor("0, or -12 (-ENOMEM) for DMA_MAPPING_ERROR (all ones)")
    public ResultDTO dma_mapping_error(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        long dma = Args.number("dma_addr", dma_addr);
        return ResultDTO.number(p.name(), "dma_mapping_error", List.of(device, ShellFormatter.hex(dma)),
            api.mappingError(PlatformSelector.device(api, device), DmaAddr.of(dma)), false);
    }

    @Descriptor("whether syncs of the mapping do anything: a non-coherent device, or a bounce buffer")
    public ResultDTO dma_need_sync(@Descriptor(Args.MAPPING) MappingDTO mapping) {
        given(mapping, "mapping");
        return dma_need_sync(mapping.platform, mapping.device, ShellFormatter.hex(mapping.dma));
    }

    @Descriptor("whether syncs at the bus address do anything")
    public ResultDTO dma_need_sync(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        long dma = Args.number("dma_addr", dma_addr);
        return ResultDTO.of(p.name(), "dma_need_sync", List.of(device, ShellFormatter.hex(dma)),
            api.needSync(PlatformSelector.device(api, device), DmaAddr.of(dma)));
    }

    @Descriptor("list the live streaming mappings: device, call, bus address, size, direction, where the bytes are")
    public MappingsDTO mappings(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        List<MappingDTO> out = new ArrayList<>();
        for (StreamingMapping s : api.mappings()) {
            String function = switch (s.kind()) {
                case SG -> "dma_map_sg";
                case RESOURCE -> "dma_map_resource";
                default -> "dma_map_single"; // or dma_map_page: one family, as DMA-API debug keeps it
            };
            out.add(mapping(p, api, s.device(), function, null, s.dmaHandle(), s.size(), s.direction(), s.attrs(),
                s.phys()));
        }
        return MappingsDTO.of(p.name(), out);
    }
}
