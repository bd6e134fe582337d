package org.dmasim.shell.internal;

import java.util.ArrayList;
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

    private String create(String platform, boolean managed, String name, String dev, String size, String align,
        String boundary) {
        Platform p = platform(platform);
        DmaPools pools = pools(p);
        DmaDevice d = device(p, dev);
        long s = Args.number("size", size);
        long a = Args.number("align", align);
        long b = Args.number("boundary", boundary);
        var pool = managed ? pools.createManaged(name, d, s, a, b) : pools.create(name, d, s, a, b);
        return pool.map(x -> String.format("%s: size %d allocation %d boundary %d (dma_pool %s)", x.name(), x.size(),
            x.allocation(), x.boundary(), x.backendVersion()))
            .orElseThrow(() -> new IllegalArgumentException(String.format(
                "dma_pool_create(%s, %s, %d, %d, %d) returned NULL (align must be a power of two, size > 0,"
                    + " boundary 0 or a power of two >= size)", name, dev, s, a, b)));
    }

    @Descriptor("dma_pool_create(name, dev, size, align, boundary)")
    public String dma_pool_create(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String name, String dev, String size, String align, String boundary) {
        return create(platform, false, name, dev, size, align, boundary);
    }

    @Descriptor("dmam_pool_create(name, dev, size, align, boundary): destroyed at driver detach")
    public String dmam_pool_create(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String name, String dev, String size, String align, String boundary) {
        return create(platform, true, name, dev, size, align, boundary);
    }

    @Descriptor("dma_pool_alloc(pool, gfp)")
    public PoolBlockDTO dma_pool_alloc(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String pool, String gfp) {
        Platform p = platform(platform);
        DmaBlock b = pool(p, pool).alloc(Args.gfp(gfp)).orElseThrow(() ->
            new IllegalStateException("dma_pool_alloc(" + pool + ", " + gfp + ") returned NULL"));
        return PoolBlockDTO.of(p.name(), pool, b.vaddr(), b.dma());
    }

    @Descriptor("dma_pool_zalloc(pool, gfp)")
    public PoolBlockDTO dma_pool_zalloc(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String pool, String gfp) {
        Platform p = platform(platform);
        DmaBlock b = pool(p, pool).zalloc(Args.gfp(gfp)).orElseThrow(() ->
            new IllegalStateException("dma_pool_zalloc(" + pool + ", " + gfp + ") returned NULL"));
        return PoolBlockDTO.of(p.name(), pool, b.vaddr(), b.dma());
    }

    @Descriptor("dma_pool_free of a block dma_pool_alloc returned")
    public String dma_pool_free(PoolBlockDTO b) {
        pool(platform(b.platform), b.pool).free(b.vaddr, b.dma);
        return String.format("%s: freed dma %#x", b.pool, b.dma);
    }

    @Descriptor("dma_pool_free(pool, vaddr, dma)")
    public String dma_pool_free(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String pool, String vaddr, String dma) {
        long d = Args.number("dma", dma);
        pool(platform(platform), pool).free(Args.number("vaddr", vaddr), d);
        return String.format("%s: freed dma %#x", pool, d);
    }

    @Descriptor("dma_pool_destroy(pool); a pool with blocks still allocated prints the kernel's busy lines")
    public String dma_pool_destroy(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String pool) {
        Platform p = platform(platform);
        List<LogLine> before = p.bootLog().lines();
        pool(p, pool).destroy();
        // dma_pool_destroy reports busy pages with dev_err: show what it printed with the result.
        List<String> out = new ArrayList<>();
        List<LogLine> after = p.bootLog().lines();
        after.subList(before.size(), after.size()).forEach(l -> out.add(ShellFormatter.logLine(l)));
        out.add(pool + ": destroyed");
        return String.join("\n", out);
    }

    @Descriptor("the device's sysfs pools file")
    public TextDTO pools(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform, String dev) {
        Platform p = platform(platform);
        DmaDevice d = device(p, dev);
        return TextDTO.of(p.name(), "/sys/devices/.../" + dev + "/pools", pools(p).poolsFile(d).orElseThrow(() ->
            new IllegalArgumentException(dev + " has no dma_pool (the pools file exists while a pool does)")));
    }

    @Descriptor("mm/dmapool_test.c: six pools, all blocks allocated and freed N rounds (kernel: 100)")
    public TextDTO dmapool_test(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        @Parameter(names = {"-n", "--rounds"}, absentValue = "100") int rounds) {
        Platform p = platform(platform);
        return TextDTO.of(p.name(), "dmapool_test", String.join("\n", pools(p).dmapoolTest(rounds)));
    }

    @Descriptor("show the dma_pool backend new pools get, or switch it (6.1 | 6.4)")
    public String dmapool_backend(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        @Parameter(names = {"-s", "--set"}, absentValue = "") String version) {
        DmaPools pools = pools(platform(platform));
        if (!version.isEmpty()) {
            pools.useBackend(version);
        }
        return "dma_pool backend " + pools.backendVersion() + " (available: " + pools.backendVersions() + ")";
    }
}
