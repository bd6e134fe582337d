package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.shell.format.DebugfsDTO;
import org.dmasim.shell.format.SwiotlbDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code swiotlb}: the bounce pools as the kernel's debugfs shows them
 * ({@code /sys/kernel/debug/swiotlb}), and what the kernel keeps but does not show: each area's
 * slots in use and its next-fit cursor, and what each device bounced (copies and bytes each way).
 */
@Component(service = SwiotlbCommands.class, property = {
    "osgi.command.scope=swiotlb",
    "osgi.command.function=swiotlb_debugfs",
    "osgi.command.function=swiotlb_pools"
})
public class SwiotlbCommands {
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private static SwiotlbPool pool(Platform p) {
        return PlatformSelector.facility(p, SwiotlbPool.class, "swiotlb");
    }

    @Descriptor("show /sys/kernel/debug/swiotlb/*: io_tlb_nslabs and io_tlb_used, and a directory per restricted pool")
    public DebugfsDTO swiotlb_debugfs(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = PlatformSelector.select(platforms, platform);
        return DebugfsDTO.of(p.name(), "/sys/kernel/debug", pool(p).debugfs());
    }

    @Descriptor("each bounce pool (the default one, then the restricted pools set up so far): its slots, each area's"
        + " slots in use and cursor, and per device the maps, live bounce buffers, copies and bytes each way")
    public SwiotlbDTO swiotlb_pools(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = PlatformSelector.select(platforms, platform);
        SwiotlbPool pool = pool(p);
        SwiotlbDTO d = new SwiotlbDTO();
        d.platform = p.name();
        d.instance = p.lookup(BackendInstances.class).flatMap(b -> b.active("swiotlb")).map(BackendInstance::id)
            .orElse("swiotlb");
        List<SwiotlbPool> all = new ArrayList<>(List.of(pool));
        all.addAll(pool.restrictedPools());
        d.pools = all.stream().map(x -> new SwiotlbDTO.Pool(x.stats(), x.end(), x.nareas(), x.forceBounce())).toList();
        return d;
    }
}
