package org.dmasim.shell.internal;

import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.CmaRangeDTO;
import org.dmasim.shell.format.TextDTO;
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

    private CmaArea area(CmaAreas areas, String name) {
        return areas.byName(name).orElseThrow(() -> new IllegalArgumentException("no CMA area '" + name + "' (areas: "
            + areas.areas().stream().map(CmaArea::name).toList() + ")"));
    }

    @Descriptor("cma_alloc(area, count, align, no_warn=false): count pages aligned to 2^align pages")
    public CmaRangeDTO cma_alloc(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        @Parameter(names = {"--no-warn"}, absentValue = "false", presentValue = "true") boolean noWarn,
        @Descriptor("area name, e.g. reserved") String name, @Descriptor("pages") String count,
        @Descriptor("alignment order") int align) {
        Platform p = platform(platform);
        CmaArea a = area(PlatformSelector.facility(p, CmaAreas.class, "cma"), name);
        long n = Args.number("count", count);
        long pfn = a.alloc(n, align, noWarn);
        if (pfn < 0) {
            throw new IllegalStateException(String.format("cma_alloc(%s, %d, %d) returned NULL", name, n, align));
        }
        return CmaRangeDTO.of(p.name(), a.name(), pfn, n);
    }

    @Descriptor("cma_release of what cma_alloc returned")
    public boolean cma_release(CmaRangeDTO r) {
        Platform p = platform(r.platform);
        return area(PlatformSelector.facility(p, CmaAreas.class, "cma"), r.area).release(r.pfn, r.count);
    }

    @Descriptor("cma_release(area, pfn, count): true, or false when the pfn is outside the area")
    public boolean cma_release(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String name, @Descriptor("first pfn") String pfn, @Descriptor("pages") String count) {
        Platform p = platform(platform);
        return area(PlatformSelector.facility(p, CmaAreas.class, "cma"), name).release(Args.number("pfn", pfn),
            Args.number("count", count));
    }

    @Descriptor("show /sys/kernel/debug/cma/<area>/* for every area")
    public TextDTO cma_debugfs(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform) {
        Platform p = platform(platform);
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : PlatformSelector.facility(p, CmaAreas.class, "cma").debugfs().entrySet()) {
            sb.append("/sys/kernel/debug/cma/").append(e.getKey()).append(": ").append(e.getValue().strip())
                .append('\n');
        }
        return TextDTO.of(p.name(), "/sys/kernel/debug/cma", sb.toString());
    }
}
