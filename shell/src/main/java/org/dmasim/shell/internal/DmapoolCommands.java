package org.dmasim.shell.internal;

import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dmapool.DmaBlock;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.PoolBlockDTO;
import org.dmasim.shell.format.PoolDTO;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code dmapool}: {@code mm/dmapool.c} by kernel function name. Pools are named by
 * the name given to dma_pool_create (unique per platform in scripts; the newest pool of that
 * name wins).
 */
@Component(service = DmapoolCommands.class, property = {
    "osgi.command.scope=dmapool",
    "osgi.command.function=dma_pool_create",
    "osgi.command.function=dmam_pool_create",
    "osgi.command.function=dma_pool_alloc",
    "osgi.command.function=dma_pool_zalloc",
    "osgi.command.function=dma_pool_free",
    "osgi.command.function=dma_pool_destroy",
    "osgi.command.function=pools",
    "osgi.command.function=dmapool_test",
    "osgi.command.function=dmapool_backend"
})
public class DmapoolCommands {
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private Platform platform(String name) {
        return PlatformSelector.select(platforms, name);
    }

    private static final String POOL = "pool name, as given to dma_pool_create";
    private static final String NAME = "the new pool's name";
    private static final String SIZE = "block size in bytes";
    private static final String ALIGN = "block alignment: a power of two";
    private static final String BOUNDARY = "no block crosses a multiple of this (0: none)";

    private DmaPools pools(Platform p) {
        return PlatformSelector.facility(p, DmaPools.class, "dmapool");
    }

    private DmaDevice device(Platform p, String name) {
        DmaApi api = PlatformSelector.facility(p, DmaApi.class, "dma.core");
        return api.device(name).orElseThrow(() -> new IllegalArgumentException("no device '" + name + "' (devices: "
            + api.devices().stream().map(DmaDevice::name).toList() + ")"));
    }

    private DmaPool pool(Platform p, String name) {
        List<DmaPool> all = pools(p).pools();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).name().equals(name) && !all.get(i).destroyed()) {
                return all.get(i);
            }
        }
        throw new IllegalArgumentException("no live dma_pool named '" + name + "' on " + p.name() + " (pools: "
            + all.stream().filter(x -> !x.destroyed()).map(DmaPool::name).toList() + ")");
    }

    private PoolDTO create(String platform, boolean managed, List<String> args) {
        Platform p = platform(platform);
        DmaPools pools = pools(p);
        String name = args.get(0);
        DmaDevice d = device(p, args.get(1));
        long s = Args.number("size", args.get(2));
        long a = Args.number("align", args.get(3));
        long b = Args.number("boundary", args.get(4));
        String function = managed ? "dmam_pool_create" : "dma_pool_create";
        var pool = managed ? pools.createManaged(name, d, s, a, b) : pools.create(name, d, s, a, b);
        return pool.map(x -> PoolDTO.of(p.name(), function, args, x.name(), x.size(), x.allocation(), x.boundary(),
            x.backendVersion())).orElseThrow(() -> new IllegalArgumentException(function + "(" + String.join(", ", args)
                + ") returned NULL (align must be a power of two, size > 0, boundary 0 or a power of two >= size)"));
    }

    @Descriptor("a pool of SIZE-byte blocks for a device")
    public PoolDTO dma_pool_create(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(NAME) String name, @Descriptor(Args.DEVICE) String device, @Descriptor(SIZE) String size,
        @Descriptor(ALIGN) String align, @Descriptor(BOUNDARY) String boundary) {
        return create(platform, false, List.of(name, device, size, align, boundary));
    }

    @Descriptor("dma_pool_create, destroyed at driver detach")
    public PoolDTO dmam_pool_create(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(NAME) String name, @Descriptor(Args.DEVICE) String device, @Descriptor(SIZE) String size,
        @Descriptor(ALIGN) String align, @Descriptor(BOUNDARY) String boundary) {
        return create(platform, true, List.of(name, device, size, align, boundary));
    }

    private PoolBlockDTO alloc(String platform, String function, String pool, String gfp, boolean zero) {
        Platform p = platform(platform);
        DmaPool x = pool(p, pool);
        int flags = Args.gfp(Args.gfpTable(p), gfp);
        DmaBlock b = (zero ? x.zalloc(flags) : x.alloc(flags)).orElseThrow(() ->
            new IllegalStateException(function + "(" + pool + ", " + gfp + ") returned NULL"));
        return PoolBlockDTO.of(p.name(), function, List.of(pool, gfp), pool, b.cpuAddr(), b.dmaHandle());
    }

    @Descriptor("one block from a pool")
    public PoolBlockDTO dma_pool_alloc(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(POOL) String pool, @Descriptor(Args.GFP) String gfp) {
        return alloc(platform, "dma_pool_alloc", pool, gfp, false);
    }

    @Descriptor("one zeroed block from a pool")
    public PoolBlockDTO dma_pool_zalloc(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(POOL) String pool, @Descriptor(Args.GFP) String gfp) {
        return alloc(platform, "dma_pool_zalloc", pool, gfp, true);
    }

    @Descriptor("give a block back to its pool")
    public ResultDTO dma_pool_free(@Descriptor("what dma_pool_alloc returned, e.g. $x after x = dmapool:dma_pool_alloc ...")
        PoolBlockDTO block) {
        pool(platform(block.platform), block.pool).free(block.vaddr, block.dma);
        return ResultDTO.of(block.platform, "dma_pool_free", List.of(block.pool, String.format("%#018x", block.vaddr),
            ShellFormatter.hex(block.dma)), null);
    }

    @Descriptor("give a block back to its pool")
    public ResultDTO dma_pool_free(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(POOL) String pool, @Descriptor("the block's CPU address") String vaddr,
        @Descriptor("the block's DMA address") String dma) {
        Platform p = platform(platform);
        pool(p, pool).free(Args.number("vaddr", vaddr), Args.number("dma", dma));
        return ResultDTO.of(p.name(), "dma_pool_free", List.of(pool, vaddr, dma), null);
    }

    @Descriptor("destroy a pool; with blocks still allocated it prints the kernel's busy lines first")
    public ResultDTO dma_pool_destroy(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(POOL) String pool) {
        Platform p = platform(platform);
        int before = p.bootLog().lines().size();
        pool(p, pool).destroy();
        // dma_pool_destroy reports busy pages with dev_err: the result shows what it printed.
        List<LogLine> after = p.bootLog().lines();
        return ResultDTO.of(p.name(), "dma_pool_destroy", List.of(pool), null)
            .printed(after.subList(before, after.size()).stream().map(ShellFormatter::logLine).toList());
    }

    @Descriptor("show a device's sysfs pools file")
    public TextDTO pools(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.DEVICE) String device) {
        Platform p = platform(platform);
        DmaDevice d = device(p, device);
        return TextDTO.of(p.name(), "/sys/devices/.../" + device + "/pools", pools(p).poolsFile(d).orElseThrow(() ->
            new IllegalArgumentException(device + " has no dma_pool (the pools file exists while a pool does)")));
    }

    @Descriptor("mm/dmapool_test.c: six pools, all blocks allocated and freed N rounds (kernel: 100)")
    public TextDTO dmapool_test(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Parameter(names = {"-n", "--rounds"}, absentValue = "100") @Descriptor("rounds (kernel: 100)") int rounds) {
        Platform p = platform(platform);
        return TextDTO.of(p.name(), "dmapool_test", String.join("\n", pools(p).dmapoolTest(rounds)));
    }

    @Descriptor("show the dma_pool backend new pools get, or switch it with --set 6.1|6.4")
    public ResultDTO dmapool_backend(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Parameter(names = {"-s", "--set"}, absentValue = "") @Descriptor("the version to switch to") String version) {
        Platform p = platform(platform);
        DmaPools pools = pools(p);
        if (!version.isEmpty()) {
            pools.useBackend(version);
        }
        return ResultDTO.of(p.name(), "dmapool_backend", version.isEmpty() ? List.of() : List.of("--set " + version),
            pools.backendVersion() + " (available: " + String.join(", ", pools.backendVersions()) + ")");
    }
}
