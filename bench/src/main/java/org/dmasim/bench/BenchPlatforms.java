package org.dmasim.bench;

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
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.mm.zone.ZoneBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.boot.Booter;
import org.dmasim.platform.boot.StandardParts;
import org.dmasim.platform.profile.SpecBuilder;
import org.dmasim.swiotlb.SwiotlbBoot;

/** Boots a shipped profile with every backend, without Felix, as PlatformComponent composes it. */
final class BenchPlatforms {
    private BenchPlatforms() {
    }

    static BootResult boot(String profile) {
        PlatformSpec spec = SpecBuilder.build(Map.of("profile", profile));
        ArchSupport arch = spec.arch() == Arch.ARM64 ? new Arm64Arch() : new X86Arch();
        CmaBoot cma = new CmaBoot();
        List<BootParticipant> parts = new ArrayList<>(StandardParts.participants());
        parts.add(new ZoneBoot());
        parts.add(cma);
        parts.add(new SwiotlbBoot());
        parts.add(new AtomicPoolBoot());
        parts.add(new DmaCoreBoot());
        List<ReservedMemHandler> handlers = new ArrayList<>(StandardParts.handlers());
        handlers.add(cma);
        BootResult r = new Booter(arch, parts, handlers).boot(spec);
        if (!r.ok()) {
            throw new IllegalStateException(profile + ": " + r.failure().orElse("?"));
        }
        return r;
    }
}
