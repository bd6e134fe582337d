package org.dmasim.platform.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dmasim.api.boot.ArchSupport;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.arch.arm64.Arm64Arch;
import org.dmasim.arch.x86.X86Arch;
import org.dmasim.atomicpool.AtomicPoolBoot;
import org.dmasim.cma.CmaBoot;
import org.dmasim.mm.zone.ZoneBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.boot.Booter;
import org.dmasim.platform.boot.StandardParts;
import org.dmasim.platform.profile.SpecBuilder;
import org.dmasim.swiotlb.SwiotlbBoot;

/**
 * Composes a whole platform without a framework, the way PlatformComponent does in Felix. Other
 * modules' tests and the benchmarks use it through the platform's test jar and add the
 * participants the platform module cannot see (dma.core).
 */
public final class Platforms {
    private Platforms() {
    }

    public static BootResult boot(Map<String, ?> config) {
        return boot(SpecBuilder.build(config));
    }

    /** Boots a shipped profile with the standard backends plus {@code extra}; fails on a failed boot. */
    public static BootResult bootProfile(String profile, Map<String, ?> overrides, BootParticipant... extra) {
        Map<String, Object> config = new java.util.HashMap<>(overrides);
        config.put("profile", profile);
        BootResult r = boot(SpecBuilder.build(config), extra);
        if (!r.ok()) {
            throw new IllegalStateException("boot of " + profile + " failed: " + r.failure().orElse("?"));
        }
        return r;
    }

    public static BootResult boot(PlatformSpec spec, BootParticipant... extra) {
        ArchSupport arch = spec.arch() == Arch.ARM64 ? new Arm64Arch() : new X86Arch();
        CmaBoot cma = new CmaBoot();
        List<BootParticipant> parts = new ArrayList<>(StandardParts.participants());
        parts.add(new ZoneBoot());
        parts.add(cma);
        parts.add(new SwiotlbBoot());
        parts.add(new AtomicPoolBoot());
        parts.addAll(List.of(extra));
        // As in Felix, a backend that is also a reserved-memory handler (cma, dma.core) is one
        // registration offering both services.
        List<ReservedMemHandler> handlers = new ArrayList<>();
        for (BootParticipant p : parts) {
            if (p instanceof ReservedMemHandler h) {
                handlers.add(h);
            }
        }
        return new Booter(arch, parts, handlers).boot(spec);
    }
}
