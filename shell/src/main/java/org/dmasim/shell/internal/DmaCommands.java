package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.device.DeviceInfoDTO;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.pool.AtomicPools;
import org.dmasim.shell.format.AllocationDTO;
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
    "osgi.command.function=cpu_write"
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
        return api.device(name).orElseThrow(() -> new IllegalArgumentException("no device '" + name + "' (devices: "
            + api.devices().stream().map(DmaDevice::name).toList() + ")"));
    }

    @Descriptor("list the platform's DMA devices: bus, coherence, masks, bus limit, DMA ops, max mapping size")
    public List<DeviceInfoDTO> devices(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform) {
        DmaApi api = api(platform(platform));
        return api.devices().stream().map(api::deviceInfo).toList();
    }

    @Descriptor("everything about one device's DMA set-up: masks, coherence, dma-range map, segment limits,"
        + " CMA area, per-device pool, DMA ops, mapping size limits")
    public DeviceInfoDTO device(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        @Descriptor("device name") String dev) {
        DmaApi api = api(platform(platform));
        return api.deviceInfo(device(api, dev));
    }

    @Descriptor("register a device programmatically (platform or pci bus)")
    public String device_create(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        @Parameter(names = {"--coherent"}, absentValue = "false", presentValue = "true") boolean coherent,
        @Parameter(names = {"--pci"}, absentValue = "false", presentValue = "true") boolean pci,
        @Descriptor("device name") String name) {
        DmaApi api = api(platform(platform));
        DmaDevice d = api.createDevice(new DeviceSpec(name, pci ? DmaDevice.Bus.PCI : DmaDevice.Bus.PLATFORM, coherent,
            List.of(), List.of()));
        return d.name() + (d.coherent() ? " (coherent)" : " (non-coherent)");
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

    @Descriptor("dma_set_mask(dev, mask): mask as a bit count (32) or 0x value; prints 0 or -EIO")
    public int dma_set_mask(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform, String dev,
        String mask) {
        DmaApi api = api(platform(platform));
        return api.setMask(device(api, dev), mask(mask));
    }

    @Descriptor("dma_set_coherent_mask(dev, mask)")
    public int dma_set_coherent_mask(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String dev, String mask) {
        DmaApi api = api(platform(platform));
        return api.setCoherentMask(device(api, dev), mask(mask));
    }

    @Descriptor("dma_set_mask_and_coherent(dev, mask)")
    public int dma_set_mask_and_coherent(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String dev, String mask) {
        DmaApi api = api(platform(platform));
        return api.setMaskAndCoherent(device(api, dev), mask(mask));
    }

    @Descriptor("dma_get_required_mask(dev)")
    public String dma_get_required_mask(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String dev) {
        DmaApi api = api(platform(platform));
        return String.format("%#x", api.requiredMask(device(api, dev)));
    }

    @Descriptor("dma_get_cache_alignment()")
    public int dma_get_cache_alignment(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform) {
        return api(platform(platform)).cacheAlignment();
    }

    @Descriptor("dma_max_mapping_size(dev); SIZE_MAX when unlimited")
    public String dma_max_mapping_size(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String dev) {
        DmaApi api = api(platform(platform));
        return ShellFormatter.sizeOrMax(api.maxMappingSize(device(api, dev)));
    }

    @Descriptor("dma_opt_mapping_size(dev): the largest mapping that costs no more than smaller ones; SIZE_MAX"
        + " when unlimited")
    public String dma_opt_mapping_size(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        @Descriptor("device name") String dev) {
        DmaApi api = api(platform(platform));
        return ShellFormatter.sizeOrMax(api.optMappingSize(device(api, dev)));
    }

    /** One of the DmaApi allocators, as the commands call them. */
    @FunctionalInterface
    private interface Allocator {
        Optional<CoherentBuffer> alloc(DmaApi api, DmaDevice dev, long size, int gfp);
    }

    /** Parses the arguments, allocates, and turns NULL into an error naming the call. */
    private AllocationDTO allocate(String platform, String fn, String dev, String size, String gfp, Allocator how) {
        Platform p = platform(platform);
        DmaApi api = api(p);
        long n = Args.number("size", size);
        int flags = Args.gfp(gfp);
        return how.alloc(api, device(api, dev), n, flags).map(x -> AllocationDTO.of(p.name(), fn, x))
            .orElseThrow(() -> new IllegalStateException(String.format("%s(%s, %d, %s) returned NULL", fn, dev, n,
                org.dmasim.api.mm.Gfp.format(flags))));
    }

    private static String freed(String dev, long size, long dma) {
        return String.format("%s: freed %d bytes at dma %#x", dev, size, dma);
    }

    @Descriptor("dma_alloc_coherent(dev, size, gfp)")
    public AllocationDTO dma_alloc_coherent(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String dev, @Descriptor("size, e.g. 20K") String size, @Descriptor("GFP flags") String gfp) {
        return dma_alloc_attrs(platform, dev, size, gfp, "0");
    }

    @Descriptor("dma_alloc_attrs(dev, size, gfp, attrs): attrs as DMA_ATTR_* names joined by ',' or '+'")
    public AllocationDTO dma_alloc_attrs(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String dev, String size, String gfp, String attrs) {
        long a = DmaAttrs.parse(attrs);
        return allocate(platform, a == 0 ? "dma_alloc_coherent" : "dma_alloc_attrs", dev, size, gfp,
            (api, d, n, flags) -> api.alloc(d, n, flags, a));
    }

    @Descriptor("dma_free_coherent / dma_free_attrs of an allocation")
    public String dma_free_coherent(AllocationDTO a) {
        DmaApi api = api(platform(a.platform));
        api.free(device(api, a.device), a.size, a.cpu, a.dma, a.attrs);
        return freed(a.device, a.size, a.dma);
    }

    @Descriptor("dma_free_coherent(dev, size, cpu_addr, dma_handle)")
    public String dma_free_coherent(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String dev, String size, String cpu, String dma) {
        DmaApi api = api(platform(platform));
        long n = Args.number("size", size);
        long h = Args.number("dma_handle", dma);
        api.freeCoherent(device(api, dev), n, Args.number("cpu_addr", cpu), h);
        return freed(dev, n, h);
    }

    @Descriptor("dma_alloc_pages(dev, size, gfp): linear-map pages")
    public AllocationDTO dma_alloc_pages(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String dev, String size, String gfp) {
        return allocate(platform, "dma_alloc_pages", dev, size, gfp, DmaApi::allocPages);
    }

    @Descriptor("dma_free_pages of an allocation")
    public String dma_free_pages(AllocationDTO a) {
        DmaApi api = api(platform(a.platform));
        api.freePages(device(api, a.device), a.size, a.cpu, a.dma);
        return freed(a.device, a.size, a.dma);
    }

    @Descriptor("dma_alloc_noncoherent(dev, size, gfp)")
    public AllocationDTO dma_alloc_noncoherent(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") String platform, String dev, String size,
        String gfp) {
        return allocate(platform, "dma_alloc_noncoherent", dev, size, gfp, DmaApi::allocNoncoherent);
    }

    @Descriptor("dma_free_noncoherent of an allocation")
    public String dma_free_noncoherent(AllocationDTO a) {
        DmaApi api = api(platform(a.platform));
        api.freeNoncoherent(device(api, a.device), a.size, a.cpu, a.dma);
        return freed(a.device, a.size, a.dma);
    }

    @Descriptor("dma_mmap_coherent(allocation, vma pages, pgoff): the pfns the user pages map, or the errno")
    public String dma_mmap_coherent(AllocationDTO a, long vmaPages, long pgoff) {
        DmaApi api = api(platform(a.platform));
        DmaApi.MmapResult r = api.mmapCoherent(device(api, a.device), a.cpu, a.dma, a.size, vmaPages, pgoff);
        if (r.errno() != 0) {
            return "dma_mmap_coherent: " + r.errno();
        }
        List<String> pfns = new ArrayList<>();
        r.pfns().forEach(pfn -> pfns.add(String.format("%#x", pfn)));
        return "pfns " + String.join(" ", pfns);
    }

    @Descriptor("dma_declare_coherent_memory(dev, phys, dev_addr, size): 0 or -errno")
    public int dma_declare_coherent_memory(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String dev, String phys, String devAddr, String size) {
        DmaApi api = api(platform(platform));
        return api.declareCoherentMemory(device(api, dev), Args.number("phys", phys), Args.number("dev_addr", devAddr),
            Args.number("size", size));
    }

    @Descriptor("live coherent allocations and where each came from")
    public List<AllocationDTO> allocations(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform) {
        Platform p = platform(platform);
        List<AllocationDTO> out = new ArrayList<>();
        for (CoherentBuffer b : api(p).allocations()) {
            out.add(AllocationDTO.of(p.name(), b.kind().equals("coherent") ? "dma_alloc_coherent"
                : "dma_alloc_" + b.kind(), b));
        }
        return out;
    }

    @Descriptor("show /sys/kernel/debug/dma_pools (atomic pool sizes in bytes)")
    public TextDTO dma_pools(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform) {
        Platform p = platform(platform);
        AtomicPools pools = PlatformSelector.facility(p, AtomicPools.class, "atomicpool");
        pools.flushWorker();
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(pools.debugfs()).entrySet()) {
            sb.append("/sys/kernel/debug/dma_pools/").append(e.getKey()).append(": ").append(e.getValue().strip())
                .append('\n');
        }
        return TextDTO.of(p.name(), "/sys/kernel/debug/dma_pools", sb.toString());
    }

    @Descriptor("read bytes through a kernel virtual address (hex dump)")
    public String cpu_read(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform, String addr,
        String len) {
        DmaApi api = api(platform(platform));
        byte[] b = api.kernelVm().cpuRead(Args.number("addr", addr), (int) Args.number("len", len));
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }

    @Descriptor("write hex bytes through a kernel virtual address")
    public String cpu_write(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform, String addr,
        @Descriptor("bytes as hex, e.g. deadbeef") String hex) {
        DmaApi api = api(platform(platform));
        byte[] b = HexFormat.of().parseHex(hex.replace(" ", ""));
        api.kernelVm().cpuWrite(Args.number("addr", addr), b);
        return "wrote " + b.length + " bytes";
    }
}
