package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.addr.PhysAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.shell.format.MappingDTO;
import org.dmasim.shell.format.MappingsDTO;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.SgMappingDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code dma}, streaming half: the map, unmap and sync calls of
 * {@code include/linux/dma-mapping.h} by their kernel names, and a device's own reads and writes
 * at a bus address. A map returns a {@link MappingDTO} (a list map an {@link SgMappingDTO}) that the
 * matching unmap and syncs take back; each result shows what the kernel printed during the call.
 */
@Component(service = StreamingCommands.class, property = {
    "osgi.command.scope=dma",
    "osgi.command.function=dma_map_single",
    "osgi.command.function=dma_unmap_single",
    "osgi.command.function=dma_map_page",
    "osgi.command.function=dma_unmap_page",
    "osgi.command.function=dma_map_resource",
    "osgi.command.function=dma_unmap_resource",
    "osgi.command.function=dma_map_sg",
    "osgi.command.function=dma_unmap_sg",
    "osgi.command.function=dma_sync_single_for_cpu",
    "osgi.command.function=dma_sync_single_for_device",
    "osgi.command.function=dma_sync_single_range_for_cpu",
    "osgi.command.function=dma_sync_single_range_for_device",
    "osgi.command.function=dma_sync_sg_for_cpu",
    "osgi.command.function=dma_sync_sg_for_device",
    "osgi.command.function=dma_mapping_error",
    "osgi.command.function=dma_need_sync",
    "osgi.command.function=mappings",
    "osgi.command.function=device_read",
    "osgi.command.function=device_write",
    "osgi.command.function=device_fill"
})
public class StreamingCommands {
    /** Largest device_read, as cpu_read allows. */
    private static final long MAX_READ = 1 << 20;

    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private Platform platform(String name) {
        return PlatformSelector.select(platforms, name);
    }

    private static DmaApi api(Platform p) {
        return PlatformSelector.facility(p, DmaApi.class, "dma.core");
    }

    /** The mapping a command was given; a variable that holds none (unset, or a failed command's) is named. */
    private static <T> T given(T dto, String what) {
        if (dto == null) {
            throw new IllegalArgumentException("no " + what + " given (the variable is empty: " + (what.equals("list")
                ? Args.SG : Args.MAPPING) + ")");
        }
        return dto;
    }

    /** Runs a call and returns what the kernel printed meanwhile, as the shell prints log lines. */
    private static <T> T capturing(Platform p, List<String> printed, Supplier<T> call) {
        int before = p.bootLog().lines().size();
        try {
            return call.get();
        } finally {
            List<LogLine> after = p.bootLog().lines();
            after.subList(Math.min(before, after.size()), after.size()).forEach(l -> printed.add(
                ShellFormatter.logLine(l)));
        }
    }

    private static void run(Platform p, List<String> printed, Runnable call) {
        capturing(p, printed, () -> {
            call.run();
            return null;
        });
    }

    /** The bounce pool holding the bus range, and the range's first slot there; null when it is no bounce buffer. */
    private static Object[] bounce(Platform p, DmaApi api, DmaDevice dev, long dma, long size) {
        if (dma == DmaAddr.MAPPING_ERROR_VALUE) {
            return null;
        }
        long phys;
        try {
            phys = api.deviceAccess(dev, new DmaAddr(dma), Math.max(size, 1)).value();
        } catch (RuntimeException e) {
            return null; // out of the device's windows, or revoked: no bounce buffer to name
        }
        SwiotlbPool pool = p.lookup(SwiotlbPool.class).orElse(null);
        if (pool == null) {
            return null;
        }
        List<SwiotlbPool> all = new ArrayList<>(List.of(pool));
        all.addAll(pool.restrictedPools());
        for (SwiotlbPool x : all) {
            if (x.isSwiotlbBuffer(phys)) {
                return new Object[] {x.name(), (phys - x.start()) >>> SwiotlbPool.IO_TLB_SHIFT};
            }
        }
        return null;
    }

    private static MappingDTO mapping(Platform p, DmaApi api, DmaDevice dev, String function, List<String> args,
        long dma, long size, DmaDirection dir, long attrs, long phys) {
        MappingDTO m = new MappingDTO();
        m.platform = p.name();
        m.device = dev.name();
        m.function = function;
        m.args = args == null ? null : List.copyOf(args);
        m.dma = dma;
        m.size = size;
        m.dir = dir.kernelName();
        m.attrs = attrs;
        m.phys = phys;
        m.mappingError = api.mappingError(dev, DmaAddr.of(dma));
        Object[] b = bounce(p, api, dev, dma, size);
        if (b != null) {
            m.bouncePool = (String) b[0];
            m.slot = (Long) b[1];
        }
        return m;
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
        Platform p = platform(platform);
        DmaApi api = api(p);
        DmaDevice dev = PlatformSelector.device(api, device);
        long n = Args.number("size", size);
        DmaDirection d = DmaDirection.parse(dir);
        long a = Args.attrs(attrs);
        List<String> printed = new ArrayList<>();
        DmaAddr h = capturing(p, printed, () -> call.map(api, dev, n, d, a));
        List<String> args = new ArrayList<>(List.of(device));
        args.addAll(leading);
        args.addAll(List.of(size, d.kernelName()));
        if (a != 0) {
            args.add(attrs);
        }
        MappingDTO m = mapping(p, api, dev, function, args, h.value(), n, d, a, phys.applyAsLong(api.kernelVm()));
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
        Platform p = platform(m.platform);
        DmaApi api = api(p);
        DmaDevice dev = PlatformSelector.device(api, m.device);
        long a = Args.attrs(attrs);
        DmaDirection d = DmaDirection.parse(m.dir);
        List<String> printed = new ArrayList<>();
        run(p, printed, () -> {
            if (function.equals("dma_unmap_page")) {
                api.unmapPage(dev, DmaAddr.of(m.dma), m.size, d, a);
            } else if (function.equals("dma_unmap_resource")) {
                api.unmapResource(dev, DmaAddr.of(m.dma), m.size, d, a);
            } else {
                api.unmapSingle(dev, DmaAddr.of(m.dma), m.size, d, a);
            }
        });
        List<String> args = new ArrayList<>(List.of(m.device, ShellFormatter.hex(m.dma), ShellFormatter.hex(m.size),
            m.dir));
        if (a != 0) {
            args.add(attrs);
        }
        return ResultDTO.of(p.name(), function, args, null).printed(printed);
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

    // ---- scatter-gather ----

    @Descriptor("map a scatter-gather list, each entry ADDR:LEN (a kernel virtual address, as sg_set_buf takes it);"
        + " entries map one by one, each bouncing on its own; $sg = ... keeps it for dma_unmap_sg $sg")
    public SgMappingDTO dma_map_sg(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DIR) String dir,
        @Descriptor("the entries, ADDR:LEN joined by ',' (e.g. 0xffff000080000000:4096,0xffff000080010000:100)")
        String entries) {
        return dma_map_sg(platform, device, dir, entries, "0");
    }

    @Descriptor("map a scatter-gather list, each entry ADDR:LEN (a kernel virtual address, as sg_set_buf takes it);"
        + " entries map one by one, each bouncing on its own; $sg = ... keeps it for dma_unmap_sg $sg")
    public SgMappingDTO dma_map_sg(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DIR) String dir,
        @Descriptor("the entries, ADDR:LEN joined by ',' (e.g. 0xffff000080000000:4096,0xffff000080010000:100)")
        String entries, @Descriptor(Args.ATTRS) String attrs) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        DmaDevice dev = PlatformSelector.device(api, device);
        DmaDirection d = DmaDirection.parse(dir);
        long a = Args.attrs(attrs);
        SgTable sg = sgTable(api.kernelVm(), entries);
        List<String> printed = new ArrayList<>();
        int n = capturing(p, printed, () -> api.mapSg(dev, sg, sg.origNents(), d, a));
        SgMappingDTO g = new SgMappingDTO();
        g.platform = p.name();
        g.device = dev.name();
        g.function = "dma_map_sg";
        List<String> args = new ArrayList<>(List.of(device, d.kernelName(), entries));
        if (a != 0) {
            args.add(attrs);
        }
        g.args = args;
        g.dir = d.kernelName();
        g.attrs = a;
        g.nents = sg.origNents();
        g.returned = n;
        g.table = sg;
        g.entries = entries(p, api, dev, sg, n);
        g.printed = List.copyOf(printed);
        return g;
    }

    private static List<SgMappingDTO.Entry> entries(Platform p, DmaApi api, DmaDevice dev, SgTable sg, int mapped) {
        List<SgMappingDTO.Entry> out = new ArrayList<>();
        for (int i = 0; i < sg.origNents(); i++) {
            Object[] b = i < mapped ? bounce(p, api, dev, sg.dmaAddress(i), sg.dmaLength(i)) : null;
            out.add(new SgMappingDTO.Entry(sg.phys(i), sg.length(i), sg.dmaAddress(i), sg.dmaLength(i),
                b == null ? null : (String) b[0], b == null ? -1 : (Long) b[1]));
        }
        return out;
    }

    /** {@code sg_init_table} + {@code sg_set_buf} per ADDR:LEN entry. */
    static SgTable sgTable(KernelVm vm, String entries) {
        String[] parts = entries.strip().split(",");
        long[] phys = new long[parts.length];
        long[] len = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String[] al = parts[i].strip().split(":");
            if (al.length != 2) {
                throw new IllegalArgumentException("dma_map_sg: entry " + i + " '" + parts[i].strip()
                    + "' (expected ADDR:LEN, e.g. 0xffff000080000000:4096)");
            }
            long addr = Args.number("entry " + i + " address", al[0]);
            if (!vm.isLinear(addr)) {
                throw new IllegalArgumentException(String.format("dma_map_sg: entry %d: %#x is not a linear-map address"
                    + " (sg_set_buf needs one: virt_to_page of a vmalloc or unknown address is no page)", i, addr));
            }
            phys[i] = vm.toPhys(addr);
            len[i] = Args.number("entry " + i + " length", al[1]);
        }
        return SgTable.of(phys, len);
    }

    private ResultDTO sgCall(SgMappingDTO g, String function, String attrs) {
        given(g, "list");
        Platform p = platform(g.platform);
        DmaApi api = api(p);
        DmaDevice dev = PlatformSelector.device(api, g.device);
        if (g.table == null) {
            throw new IllegalArgumentException(function + ": the list of " + g.device + " is not one dma:dma_map_sg made"
                + " in this session (pass the object the map returned)");
        }
        DmaDirection d = DmaDirection.parse(g.dir);
        long a = Args.attrs(attrs);
        List<String> printed = new ArrayList<>();
        run(p, printed, () -> {
            switch (function) {
                case "dma_unmap_sg" -> api.unmapSg(dev, g.table, g.nents, d, a);
                case "dma_sync_sg_for_cpu" -> api.syncSgForCpu(dev, g.table, g.nents, d);
                default -> api.syncSgForDevice(dev, g.table, g.nents, d);
            }
        });
        List<String> args = new ArrayList<>(List.of(g.device, "sg " + ShellFormatter.hex(g.table.dmaAddress(0)),
            Integer.toString(g.nents), g.dir));
        if (a != 0) {
            args.add(attrs);
        }
        return ResultDTO.of(p.name(), function, args, null).printed(printed);
    }

    @Descriptor("unmap what dma_map_sg returned, with the map's nents")
    public ResultDTO dma_unmap_sg(@Descriptor(Args.SG) SgMappingDTO sg) {
        return sgCall(sg, "dma_unmap_sg", "0");
    }

    @Descriptor("unmap what dma_map_sg returned, with the map's nents")
    public ResultDTO dma_unmap_sg(@Descriptor(Args.SG) SgMappingDTO sg, @Descriptor(Args.ATTRS) String attrs) {
        return sgCall(sg, "dma_unmap_sg", attrs);
    }

    @Descriptor("give a mapped list to the CPU: cache maintenance, then bounce buffers copied back")
    public ResultDTO dma_sync_sg_for_cpu(@Descriptor(Args.SG) SgMappingDTO sg) {
        return sgCall(sg, "dma_sync_sg_for_cpu", "0");
    }

    @Descriptor("give a mapped list back to the device: bounce buffers copied out, then cache maintenance")
    public ResultDTO dma_sync_sg_for_device(@Descriptor(Args.SG) SgMappingDTO sg) {
        return sgCall(sg, "dma_sync_sg_for_device", "0");
    }

    // ---- syncs ----

    private ResultDTO sync(String platform, String function, String device, long dma, long size, DmaDirection dir) {
        return sync(platform, function, device, dma, -1, size, dir);
    }

    /** A single sync, or with {@code offset >= 0} a range sync ({@code dma_sync_single_range_for_*}). */
    private ResultDTO sync(String platform, String function, String device, long dma, long offset, long size,
        DmaDirection dir) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        DmaDevice dev = PlatformSelector.device(api, device);
        boolean forCpu = function.endsWith("for_cpu");
        List<String> printed = new ArrayList<>();
        run(p, printed, () -> {
            if (offset >= 0) {
                if (forCpu) {
                    api.syncSingleRangeForCpu(dev, DmaAddr.of(dma), offset, size, dir);
                } else {
                    api.syncSingleRangeForDevice(dev, DmaAddr.of(dma), offset, size, dir);
                }
            } else if (forCpu) {
                api.syncSingleForCpu(dev, DmaAddr.of(dma), size, dir);
            } else {
                api.syncSingleForDevice(dev, DmaAddr.of(dma), size, dir);
            }
        });
        List<String> args = new ArrayList<>(List.of(device, ShellFormatter.hex(dma)));
        if (offset >= 0) {
            args.add(ShellFormatter.hex(offset));
        }
        args.addAll(List.of(ShellFormatter.hex(size), dir.kernelName()));
        return ResultDTO.of(p.name(), function, args, null).printed(printed);
    }

    @Descriptor("give a mapping to the CPU: cache maintenance on a non-coherent device, then a bounce buffer copied"
        + " back (FROM_DEVICE/BIDIRECTIONAL)")
    public ResultDTO dma_sync_single_for_cpu(@Descriptor(Args.MAPPING) MappingDTO mapping) {
        given(mapping, "mapping");
        return sync(mapping.platform, "dma_sync_single_for_cpu", mapping.device, mapping.dma, mapping.size,
            DmaDirection.parse(mapping.dir));
    }

    @Descriptor("sync SIZE bytes at a bus address for the CPU")
    public ResultDTO dma_sync_single_for_cpu(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir) {
        return sync(platform, "dma_sync_single_for_cpu", device, Args.number("dma_addr", dma_addr),
            Args.number("size", size), DmaDirection.parse(dir));
    }

    @Descriptor("give a mapping back to the device: a bounce buffer copied out (TO_DEVICE/BIDIRECTIONAL), then cache"
        + " maintenance on a non-coherent device")
    public ResultDTO dma_sync_single_for_device(@Descriptor(Args.MAPPING) MappingDTO mapping) {
        given(mapping, "mapping");
        return sync(mapping.platform, "dma_sync_single_for_device", mapping.device, mapping.dma, mapping.size,
            DmaDirection.parse(mapping.dir));
    }

    @Descriptor("sync SIZE bytes at a bus address for the device")
    public ResultDTO dma_sync_single_for_device(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.DIR) String dir) {
        return sync(platform, "dma_sync_single_for_device", device, Args.number("dma_addr", dma_addr),
            Args.number("size", size), DmaDirection.parse(dir));
    }

    @Descriptor("sync SIZE bytes from OFFSET into a mapping for the CPU")
    public ResultDTO dma_sync_single_range_for_cpu(@Descriptor(Args.MAPPING) MappingDTO mapping,
        @Descriptor("byte offset into the mapping") String offset, @Descriptor(Args.SIZE) String size) {
        given(mapping, "mapping");
        return sync(mapping.platform, "dma_sync_single_range_for_cpu", mapping.device, mapping.dma,
            Args.number("offset", offset), Args.number("size", size), DmaDirection.parse(mapping.dir));
    }

    @Descriptor("sync SIZE bytes from OFFSET into a mapping for the device")
    public ResultDTO dma_sync_single_range_for_device(@Descriptor(Args.MAPPING) MappingDTO mapping,
        @Descriptor("byte offset into the mapping") String offset, @Descriptor(Args.SIZE) String size) {
        given(mapping, "mapping");
        return sync(mapping.platform, "dma_sync_single_range_for_device", mapping.device, mapping.dma,
            Args.number("offset", offset), Args.number("size", size), DmaDirection.parse(mapping.dir));
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

    // ---- the device's side ----

    @Descriptor("what the device reads at a bus address (hex dump): through its window, the bounce buffer, the cache"
        + " as the device sees it (non-coherent: RAM only)")
    public ResultDTO device_read(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.DMA_ADDR) String dma_addr,
        @Descriptor("number of bytes") String len) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        DmaDevice dev = PlatformSelector.device(api, device);
        long dma = Args.number("dma_addr", dma_addr);
        long n = Args.number("len", len);
        if (n < 0 || n > MAX_READ) {
            throw new IllegalArgumentException("device_read: len " + len + " (expected 0..1M bytes)");
        }
        CpuCache cache = PlatformSelector.facility(p, CpuCache.class, "platform");
        CacheStats before = cache.stats();
        long phys = api.deviceAccess(dev, new DmaAddr(dma), n).value();
        byte[] b = cache.device(dev.coherent()).read(phys, (int) n);
        long stale = cache.stats().since(before).staleDeviceReads();
        ResultDTO r = ResultDTO.of(p.name(), "device_read", List.of(device, ShellFormatter.hex(dma), len),
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
        Platform p = platform(platform);
        DmaApi api = api(p);
        DmaDevice dev = PlatformSelector.device(api, device);
        long dma = Args.number("dma_addr", dmaAddr);
        CpuCache cache = PlatformSelector.facility(p, CpuCache.class, "platform");
        long phys = api.deviceAccess(dev, new DmaAddr(dma), b.length).value();
        cache.device(dev.coherent()).write(phys, b);
        List<String> args = new ArrayList<>(List.of(device, ShellFormatter.hex(dma)));
        args.addAll(shown);
        return ResultDTO.number(p.name(), function, args, b.length, false);
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
        if (n < 0 || n > MAX_READ) {
            throw new IllegalArgumentException("device_fill: len " + len + " (expected 0..1M bytes)");
        }
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
