package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.BootLogDTO;
import org.dmasim.shell.format.PlatformDTO;
import org.dmasim.shell.format.ProcView;
import org.dmasim.shell.format.ProcViewDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo commands in scope {@code dmasim}. Each returns a DTO; {@link DmasimConverter} renders it
 * through {@link org.dmasim.shell.format.ShellFormatter}. The platform argument may be left
 * out when exactly one platform exists.
 */
@Component(service = PlatformCommands.class, property = {
    "osgi.command.scope=dmasim",
    "osgi.command.function=platforms",
    "osgi.command.function=bootlog",
    "osgi.command.function=buddyinfo",
    "osgi.command.function=zoneinfo",
    "osgi.command.function=pagetypeinfo",
    "osgi.command.function=backends"
})
public class PlatformCommands {
    /** Every platform service, whatever its state; SCR replaces the list on each change. */
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    @Descriptor("list the platforms: name, architecture, kernel, state and why one failed or waits")
    public List<PlatformDTO> platforms() {
        return sorted(platforms).stream().map(PlatformDTO::of).collect(Collectors.toList());
    }

    @Descriptor("show the boot log (of the only platform, or the one named)")
    public BootLogDTO bootlog() {
        return bootlog(null);
    }

    @Descriptor("show the boot log (of the only platform, or the one named)")
    public BootLogDTO bootlog(@Descriptor("platform name") String platform) {
        return BootLogDTO.of(select(platform));
    }

    @Descriptor("list the backend instances of the platform: which serves each backend, which drain, what each holds")
    public TextDTO backends() {
        return backends(null);
    }

    @Descriptor("list the backend instances of the platform: which serves each backend, which drain, what each holds")
    public TextDTO backends(@Descriptor("platform name") String platform) {
        Platform p = select(platform);
        BackendInstances instances = PlatformSelector.facility(p, BackendInstances.class, "platform");
        return TextDTO.of(p.name(), "backend instances", ShellFormatter.backendInstances(instances.instances()));
    }

    @Descriptor("show /proc/buddyinfo (of the only platform, or the one named)")
    public ProcViewDTO buddyinfo() {
        return view(null, ProcView.BUDDYINFO);
    }

    @Descriptor("show /proc/buddyinfo (of the only platform, or the one named)")
    public ProcViewDTO buddyinfo(@Descriptor("platform name") String platform) {
        return view(platform, ProcView.BUDDYINFO);
    }

    @Descriptor("show /proc/zoneinfo (of the only platform, or the one named)")
    public ProcViewDTO zoneinfo() {
        return view(null, ProcView.ZONEINFO);
    }

    @Descriptor("show /proc/zoneinfo (of the only platform, or the one named)")
    public ProcViewDTO zoneinfo(@Descriptor("platform name") String platform) {
        return view(platform, ProcView.ZONEINFO);
    }

    @Descriptor("show /proc/pagetypeinfo (of the only platform, or the one named)")
    public ProcViewDTO pagetypeinfo() {
        return view(null, ProcView.PAGETYPEINFO);
    }

    @Descriptor("show /proc/pagetypeinfo (of the only platform, or the one named)")
    public ProcViewDTO pagetypeinfo(@Descriptor("platform name") String platform) {
        return view(platform, ProcView.PAGETYPEINFO);
    }

    ProcViewDTO view(String name, ProcView view) {
        Platform p = select(name);
        if (p.state() != Platform.State.BOOTED) {
            throw new IllegalStateException("platform '" + p.name() + "' is " + p.state()
                + p.failure().map(f -> ": " + f).orElse("") + " (" + view.id() + " needs a BOOTED platform)");
        }
        PageAllocator allocator = p.lookup(PageAllocator.class).orElseThrow(() -> new IllegalStateException(
            "platform '" + p.name() + "' has no page allocator (" + view.id() + " needs mm.buddy)"));
        return ProcViewDTO.of(p.name(), view, view.render(allocator));
    }

    /** The named platform, or the only one when {@code name} is null. */
    Platform select(String name) {
        List<Platform> all = sorted(platforms);
        if (name == null) {
            if (all.size() == 1) {
                return all.get(0);
            }
            if (all.isEmpty()) {
                throw new IllegalStateException("no platform exists (create an org.dmasim.platform"
                    + " configuration, or start dmasim with boot/run/shell)");
            }
            throw new IllegalArgumentException("several platforms exist (" + names(all) + "): name one");
        }
        for (Platform p : all) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no platform named '" + name + "' (platforms: "
            + (all.isEmpty() ? "none" : names(all)) + ")");
    }

    private static List<Platform> sorted(List<Platform> platforms) {
        List<Platform> all = new ArrayList<>(platforms == null ? List.of() : platforms);
        all.sort(Comparator.comparing(Platform::name));
        return all;
    }

    private static String names(List<Platform> all) {
        return all.stream().map(Platform::name).collect(Collectors.joining(", "));
    }
}
