package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.CacheStats;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.CpuCacheDTO;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.shell.format.AllocationDTO;
import org.dmasim.shell.format.DebugfsDTO;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code dma}: the DMA mapping API ({@code include/linux/dma-mapping.h}) on a
 * platform's devices, the atomic pools' debugfs, and CPU access to what the API returned.
 * Allocation commands return an {@link AllocationDTO}; pass it to the matching free.
 */
@Component(service = DmaCommands.class, property = {
    "osgi.command.scope=dma",
    "osgi.command.function=devices",
    "osgi.command.function=device",
    "osgi.command.function=device_create",
    "osgi.command.function=dma_set_mask",
    "osgi.command.function=dma_set_coherent_mask",
    "osgi.command.function=dma_set_mask_and_coherent",
    "osgi.command.function=dma_get_required_mask",
    "osgi.command.function=dma_get_cache_alignment",
    "osgi.command.function=dma_max_mapping_size",
    "osgi.command.function=dma_opt_mapping_size",
    "osgi.command.function=dma_alloc_coherent",
    "osgi.command.function=dma_alloc_attrs",
    "osgi.command.function=dma_free_coherent",
    "osgi.command.function=dma_alloc_pages",
    "osgi.command.function=dma_free_pages",
    "osgi.command.function=dma_alloc_noncoherent",
    "osgi.command.function=dma_free_noncoherent",
    "osgi.command.function=dma_mmap_coherent",
    "osgi.command.function=dma_declare_coherent_memory",
    "osgi.command.function=allocations",
    "osgi.command.function=dma_pools",
    "osgi.command.function=cpu_read",
    "osgi.command.function=cpu_write",
    "osgi.command.function=cpu_cache"
})
public class DmaCommands {
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private Platform platform(String name) {
        return PlatformSelector.select(platforms, name);
    }

    private DmaApi api(Platform p) {
        return PlatformSelector.facility(p, DmaApi.class, "dma.core");
    }

    private DmaDevice device(DmaApi api, String name) {
        return PlatformSelector.device(api, name);
    }

    @Descriptor("list the platform's DMA devices: bus, coherence, masks, bus limit, DMA ops, max mapping size")
    public List<DeviceInfoDTO> devices(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        DmaApi api = api(platform(platform));
        return api.devices().stream().map(api::deviceInfo).toList();
    }

    @Descriptor("everything about one device's DMA set-up: masks, coherence, dma-range map, segment limits,"
        + " CMA area, per-device pool, DMA ops, mapping size limits")
    public DeviceInfoDTO device(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String dev) {
        DmaApi api = api(platform(platform));
        return api.deviceInfo(device(api, dev));
    }

    @Descriptor("register a device programmatically (platform bus, or pci with --pci)")
    public ResultDTO device_create(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Parameter(names = {"--coherent"}, absentValue = "false", presentValue = "true")
        @Descriptor("the device snoops CPU caches (dma-coherent)") boolean coherent,
        @Parameter(names = {"--pci"}, absentValue = "false", presentValue = "true")
        @Descriptor("a PCI device instead of a platform device") boolean pci,
        @Descriptor("the new device's name") String name) {
        Platform p = platform(platform);
        DmaDevice d = api(p).createDevice(new DeviceSpec(name, pci ? DmaDevice.Bus.PCI : DmaDevice.Bus.PLATFORM,
            coherent, List.of(), List.of()));
        return ResultDTO.of(p.name(), "device_create", List.of(name), d.name() + (d.coherent() ? " (coherent)"
            : " (non-coherent)"));
    }

    private static long mask(String text) {
        String t = text.strip();
        if (t.matches("\\d{1,2}")) {
            int bits = Integer.parseInt(t);
            if (bits < 1 || bits > 64) {
                throw new IllegalArgumentException("mask: " + bits + " bits (expected: 1..64, or a 0x mask)");
            }
            return bits == 64 ? -1L : (1L << bits) - 1;
        }
        return Args.number("mask", t);
    }

    /** One of the mask setters, as the commands call them. */
    @FunctionalInterface
    private interface MaskSetter {
        int set(DmaApi api, DmaDevice dev, long mask);
    }

    private ResultDTO setMask(String platform, String function, String device, String mask, MaskSetter how) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        int status = how.set(api, device(api, device), mask(mask));
        return ResultDTO.number(p.name(), function, List.of(device, mask), status, false);
    }

    @Descriptor("set the streaming DMA mask; 0, or -5 (-EIO) when the platform cannot honour it")
    public ResultDTO dma_set_mask(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.MASK) String mask) {
        return setMask(platform, "dma_set_mask", device, mask, DmaApi::setMask);
    }

    @Descriptor("set the mask for coherent allocations; 0 or -5 (-EIO)")
    public ResultDTO dma_set_coherent_mask(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.MASK) String mask) {
        return setMask(platform, "dma_set_coherent_mask", device, mask, DmaApi::setCoherentMask);
    }

    @Descriptor("set both masks; 0 or -5 (-EIO)")
    public ResultDTO dma_set_mask_and_coherent(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device,
        @Descriptor(Args.MASK) String mask) {
        return setMask(platform, "dma_set_mask_and_coherent", device, mask, DmaApi::setMaskAndCoherent);
    }

    @Descriptor("the smallest mask that reaches all RAM")
    public ResultDTO dma_get_required_mask(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        long required = api.requiredMask(device(api, device));
        return ResultDTO.number(p.name(), "dma_get_required_mask", List.of(device), required, true);
    }

    @Descriptor("the alignment DMA buffers need, in bytes")
    public ResultDTO dma_get_cache_alignment(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        return ResultDTO.number(p.name(), "dma_get_cache_alignment", List.of(), api(p).cacheAlignment(), true);
    }

    /** One of the mapping size limits, as the commands ask for them. */
    @FunctionalInterface
    private interface SizeLimit {
        long of(DmaApi api, DmaDevice dev);
    }

    private ResultDTO mappingSize(String platform, String function, String device, SizeLimit limit) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        long v = limit.of(api, device(api, device));
        return ResultDTO.of(p.name(), function, List.of(device), ShellFormatter.sizeOrMax(v));
    }

    @Descriptor("the largest streaming mapping, SIZE_MAX when unlimited")
    public ResultDTO dma_max_mapping_size(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device) {
        return mappingSize(platform, "dma_max_mapping_size", device, DmaApi::maxMappingSize);
    }

    @Descriptor("the largest streaming mapping that costs no more than smaller ones, SIZE_MAX when unlimited")
    public ResultDTO dma_opt_mapping_size(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device) {
        return mappingSize(platform, "dma_opt_mapping_size", device, DmaApi::optMappingSize);
    }

    /** One of the DmaApi allocators, as the commands call them. */
    @FunctionalInterface
    private interface Allocator {
        Optional<CoherentBuffer> alloc(DmaApi api, DmaDevice dev, long size, int gfp);
    }

    /** Parses the arguments, allocates, and turns NULL into an error naming the call. */
    private AllocationDTO allocate(String platform, String fn, List<String> args, Allocator how) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        String dev = args.get(0);
        long n = Args.number("size", args.get(1));
        int flags = Args.gfp(Args.gfpTable(p), args.get(2));
        return how.alloc(api, device(api, dev), n, flags).map(x -> AllocationDTO.of(p.name(), fn, args, x))
            .orElseThrow(() -> new IllegalStateException(String.format("%s(%s) returned NULL", fn,
                String.join(", ", args))));
    }

    /** One of the DmaApi frees, as the commands call them with what the allocation returned. */
    @FunctionalInterface
    private interface Freer {
        void free(DmaApi api, DmaDevice dev, AllocationDTO a);
    }

    /** Frees what an allocation command returned and shows the call as the kernel's free takes it. */
    private ResultDTO free(AllocationDTO a, String function, Freer how) {
        DmaApi api = api(platform(a.platform));
        how.free(api, device(api, a.device), a);
        return ResultDTO.of(a.platform, function, List.of(a.device, ShellFormatter.hex(a.size),
            String.format("%#018x", a.cpu), ShellFormatter.hex(a.dma)), null);
    }

    @Descriptor("coherent memory for a device; $b = ... keeps it"
        + " for dma_free_coherent $b")
    public AllocationDTO dma_alloc_coherent(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.GFP) String gfp) {
        return allocate(platform, "dma_alloc_coherent", List.of(device, size, gfp),
            (api, d, n, flags) -> api.alloc(d, n, flags, 0));
    }

    @Descriptor("coherent memory for a device; $b = ... keeps it"
        + " for dma_free_coherent $b")
    public AllocationDTO dma_alloc_coherent(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.GFP) String gfp, @Descriptor(Args.ATTRS) String attrs) {
        return dma_alloc_attrs(platform, device, size, gfp, attrs);
    }

    @Descriptor("dma_alloc_coherent with DMA_ATTR_* attributes")
    public AllocationDTO dma_alloc_attrs(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.SIZE) String size,
        @Descriptor(Args.GFP) String gfp, @Descriptor(Args.ATTRS) String attrs) {
        long a = Args.attrs(attrs);
        return allocate(platform, a == 0 ? "dma_alloc_coherent" : "dma_alloc_attrs",
            a == 0 ? List.of(device, size, gfp) : List.of(device, size, gfp, attrs),
            (api, d, n, flags) -> api.alloc(d, n, flags, a));
    }

    @Descriptor("free what dma_alloc_coherent returned")
    public ResultDTO dma_free_coherent(@Descriptor(Args.ALLOCATION) AllocationDTO allocation) {
        return free(allocation, allocation.attrs == 0 ? "dma_free_coherent" : "dma_free_attrs",
            (api, dev, a) -> api.free(dev, a.size, a.cpu, a.dma, a.attrs));
    }

    @Descriptor("free what dma_alloc_coherent returned")
    public ResultDTO dma_free_coherent(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.SIZE) String size,
        @Descriptor("the CPU address the allocation returned") String cpu_addr,
        @Descriptor("the DMA address the allocation returned") String dma_handle) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        api.freeCoherent(device(api, device), Args.number("size", size), Args.number("cpu_addr", cpu_addr),
            Args.number("dma_handle", dma_handle));
        return ResultDTO.of(p.name(), "dma_free_coherent", List.of(device, size, cpu_addr, dma_handle), null);
    }

    @Descriptor("pages in the linear map for a device")
    public AllocationDTO dma_alloc_pages(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device, @Descriptor(Args.SIZE) String size,
        @Descriptor(Args.GFP) String gfp) {
        return allocate(platform, "dma_alloc_pages", List.of(device, size, gfp), DmaApi::allocPages);
    }

    @Descriptor("free what dma_alloc_pages returned")
    public ResultDTO dma_free_pages(@Descriptor(Args.ALLOCATION) AllocationDTO allocation) {
        return free(allocation, "dma_free_pages", (api, dev, a) -> api.freePages(dev, a.size, a.cpu, a.dma));
    }

    @Descriptor("memory the driver syncs itself")
    public AllocationDTO dma_alloc_noncoherent(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.GFP) String gfp) {
        return allocate(platform, "dma_alloc_noncoherent", List.of(device, size, gfp), DmaApi::allocNoncoherent);
    }

    @Descriptor("free what dma_alloc_noncoherent returned")
    public ResultDTO dma_free_noncoherent(@Descriptor(Args.ALLOCATION) AllocationDTO allocation) {
        return free(allocation, "dma_free_noncoherent",
            (api, dev, a) -> api.freeNoncoherent(dev, a.size, a.cpu, a.dma));
    }

    @Descriptor("the pfns a user mapping of an allocation gets, or the errno")
    public ResultDTO dma_mmap_coherent(@Descriptor(Args.ALLOCATION) AllocationDTO allocation,
        @Descriptor("pages in the user mapping (vma)") long vma_pages,
        @Descriptor("offset into the allocation, in pages") long pgoff) {
        DmaApi api = api(platform(allocation.platform));
        DmaApi.MmapResult r = api.mmapCoherent(device(api, allocation.device), allocation.cpu, allocation.dma,
            allocation.size, vma_pages, pgoff);
        List<String> args = List.of(allocation.device, ShellFormatter.hex(allocation.cpu),
            ShellFormatter.hex(allocation.dma), ShellFormatter.hex(allocation.size), Long.toString(vma_pages),
            Long.toString(pgoff));
        if (r.errno() != 0) {
            return ResultDTO.number(allocation.platform, "dma_mmap_coherent", args, r.errno(), false);
        }
        List<String> pfns = new ArrayList<>();
        r.pfns().forEach(pfn -> pfns.add(ShellFormatter.hex(pfn)));
        return ResultDTO.of(allocation.platform, "dma_mmap_coherent", args, "0, pfns " + String.join(" ", pfns));
    }

    @Descriptor("give a device its own coherent pool; 0 or -errno")
    public ResultDTO dma_declare_coherent_memory(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device,
        @Descriptor("CPU physical address of the pool") String phys_addr,
        @Descriptor("the pool's address as the device sees it") String device_addr,
        @Descriptor(Args.SIZE) String size) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        return ResultDTO.number(p.name(), "dma_declare_coherent_memory", List.of(device, phys_addr, device_addr, size),
            api.declareCoherentMemory(device(api, device), Args.number("phys_addr", phys_addr),
                Args.number("device_addr", device_addr), Args.number("size", size)), false);
    }

    @Descriptor("list the live coherent allocations and where each came from")
    public List<AllocationDTO> allocations(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        List<AllocationDTO> out = new ArrayList<>();
        for (CoherentBuffer b : api(p).allocations()) {
            out.add(AllocationDTO.of(p.name(), b.kind().equals("coherent") ? "dma_alloc_coherent"
                : "dma_alloc_" + b.kind(), b));
        }
        return out;
    }

    @Descriptor("show /sys/kernel/debug/dma_pools: the atomic pools' sizes in bytes")
    public DebugfsDTO dma_pools(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        AtomicPools pools = PlatformSelector.facility(p, AtomicPools.class, "atomicpool");
        pools.flushWorker();
        return DebugfsDTO.of(p.name(), "/sys/kernel/debug/dma_pools", pools.debugfs());
    }

    @Descriptor("read bytes through a kernel virtual address (hex dump)")
    public ResultDTO cpu_read(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("kernel virtual address, e.g. ($b cpu)") String addr,
        @Descriptor("number of bytes") String len) {
        Platform p = platform(platform);
        long n = Args.number("len", len);
        if (n < 0 || n > 1 << 20) {
            throw new IllegalArgumentException("cpu_read: len " + len + " (expected 0..1M bytes)");
        }
        long a = Args.number("addr", addr);
        CpuCache cache = PlatformSelector.facility(p, CpuCache.class, "platform");
        CacheStats before = cache.stats();
        byte[] b = api(p).kernelVm().cpuRead(a, (int) n);
        long stale = cache.stats().since(before).staleCpuReads();
        ResultDTO r = ResultDTO.of(p.name(), "cpu_read", List.of(String.format("%#018x", a), len),
            HexFormat.ofDelimiter(" ").formatHex(b));
        if (stale > 0) {
            r.printed(List.of(String.format("%s%d cache line%s read stale: a device wrote RAM under %s (a missing"
                + " dma_sync_*_for_cpu on a non-coherent device)", ShellFormatter.DMASIM_PREFIX, stale,
                stale == 1 ? "" : "s", stale == 1 ? "it" : "them")));
        }
        return r;
    }

    @Descriptor("show the CPU data cache: its counters, and the state of each line of a range")
    public CpuCacheDTO cpu_cache(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        return cpuCache(platform(platform), 0, 0);
    }

    @Descriptor("show the CPU data cache: its counters, and the state of each line of a range")
    public CpuCacheDTO cpu_cache(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("kernel virtual address, e.g. ($b cpu)") String addr,
        @Descriptor("number of bytes") String len) {
        long n = Args.number("len", len);
        if (n <= 0 || n > 1 << 16) {
            throw new IllegalArgumentException("cpu_cache: len " + len + " (expected 1..64K bytes)");
        }
        return cpuCache(platform(platform), Args.number("addr", addr), n);
    }

    private CpuCacheDTO cpuCache(Platform p, long addr, long len) {
        CpuCache cache = PlatformSelector.facility(p, CpuCache.class, "platform");
        List<CpuCacheDTO.Line> lines = new ArrayList<>();
        if (len > 0) {
            KernelVm vm = api(p).kernelVm();
            long line = cache.lineSize();
            for (long at = addr & -line; at < addr + len; at += line) {
                lines.add(new CpuCacheDTO.Line(at, cache.line(vm.toPhys(at))));
            }
        }
        return CpuCacheDTO.of(p.name(), cache.lineSize(), cache.eviction().toString(), cache.stats(), lines);
    }

    @Descriptor("write bytes through a kernel virtual address")
    public ResultDTO cpu_write(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("kernel virtual address, e.g. ($b cpu)") String addr,
        @Descriptor("the bytes in hex, e.g. deadbeef") String bytes) {
        Platform p = platform(platform);
        byte[] b;
        try {
            b = HexFormat.of().parseHex(bytes.replace(" ", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cpu_write: bytes '" + bytes + "' (expected an even number of hex"
                + " digits, e.g. deadbeef)");
        }
        long a = Args.number("addr", addr);
        api(p).kernelVm().cpuWrite(a, b);
        return ResultDTO.number(p.name(), "cpu_write", List.of(String.format("%#018x", a), bytes), b.length, false);
    }
}
