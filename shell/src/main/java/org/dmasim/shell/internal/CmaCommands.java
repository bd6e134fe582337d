package org.dmasim.shell.internal;

import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.CmaRangeDTO;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.format.DebugfsDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code cma}: {@code cma_alloc}/{@code cma_release} on any area (the default one is
 * called {@code reserved}; device-tree areas by node name) and the debugfs view.
 */
@Component(service = CmaCommands.class, property = {
    "osgi.command.scope=cma",
    "osgi.command.function=cma_alloc",
    "osgi.command.function=cma_release",
    "osgi.command.function=cma_debugfs"
})
public class CmaCommands {
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private Platform platform(String name) {
        return PlatformSelector.select(platforms, name);
    }

    private static final String AREA = "CMA area: reserved (the default one) or a device-tree node name";

    private CmaArea area(CmaAreas areas, String name) {
        return areas.byName(name).orElseThrow(() -> new IllegalArgumentException("no CMA area '" + name + "' (areas: "
            + areas.areas().stream().map(CmaArea::name).toList() + ")"));
    }

    @Descriptor("COUNT pages from a CMA area, aligned to 2^ALIGN pages")
    public CmaRangeDTO cma_alloc(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Parameter(names = {"--no-warn"}, absentValue = "false", presentValue = "true")
        @Descriptor("no failure message (no_warn = true)") boolean noWarn,
        @Descriptor(AREA) String area, @Descriptor("number of pages") String count,
        @Descriptor("alignment order: 0 for none, 4 for 16 pages") int align) {
        Platform p = platform(platform);
        CmaArea a = area(PlatformSelector.facility(p, CmaAreas.class, "cma"), area);
        long n = Args.number("count", count);
        List<String> args = List.of(area, count, Integer.toString(align));
        long pfn = a.alloc(n, align, noWarn);
        if (pfn < 0) {
            throw new IllegalStateException("cma_alloc(" + String.join(", ", args) + ") returned NULL");
        }
        return CmaRangeDTO.of(p.name(), args, a.name(), pfn, n);
    }

    @Descriptor("give back pages cma_alloc returned; true, or false when they are not the area's")
    public ResultDTO cma_release(@Descriptor("what cma_alloc returned, e.g. $c after c = cma:cma_alloc ...")
        CmaRangeDTO range) {
        Platform p = platform(range.platform);
        boolean released = area(PlatformSelector.facility(p, CmaAreas.class, "cma"), range.area).release(range.pfn,
            range.count);
        return ResultDTO.of(p.name(), "cma_release", List.of(range.area, "pfn " + ShellFormatter.hex(range.pfn),
            Long.toString(range.count)), released);
    }

    @Descriptor("give back pages cma_alloc returned; true, or false when they are not the area's")
    public ResultDTO cma_release(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(AREA) String area, @Descriptor("the first pfn") String pfn,
        @Descriptor("number of pages") String count) {
        Platform p = platform(platform);
        boolean released = area(PlatformSelector.facility(p, CmaAreas.class, "cma"), area)
            .release(Args.number("pfn", pfn), Args.number("count", count));
        return ResultDTO.of(p.name(), "cma_release", List.of(area, "pfn " + pfn, count), released);
    }

    @Descriptor("show /sys/kernel/debug/cma/<area>/* for every area")
    public DebugfsDTO cma_debugfs(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        return DebugfsDTO.of(p.name(), "/sys/kernel/debug/cma", PlatformSelector.facility(p, CmaAreas.class, "cma")
            .debugfs());
    }
}
