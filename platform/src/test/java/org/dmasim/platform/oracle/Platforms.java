package org.dmasim.platform.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dmasim.api.backend.Backends;
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
import org.dmasim.platform.runtime.Publisher;
import org.dmasim.swiotlb.SwiotlbBoot;

/**
 * Composes a whole platform without a framework, the way PlatformComponent does in Felix. Other
 * modules' tests and the benchmarks use it through the platform's test jar and add the
 * participants the platform module cannot see (dma.core, dmapool).
 *
 * <p>Which backends a platform needs comes from its profile ({@code backends} in the base
 * profile, see {@link Backends}), as in Felix: of the participants this module can see, those the
 * profile lists take part, and every {@code extra} participant the caller adds; a listed backend
 * that is not offered is simply absent (the platform module's own tests boot without dma.core).
 * A spec made by hand, without the key, takes every participant offered. After a successful boot each
 * participant starts its run-time instance, so that {@link BootResult#lookup} answers with the
 * backends' run-time services.
 */
public final class Platforms {
    private Platforms() {
    }

    public static BootResult boot(Map<String, ?> config) {
        return boot(SpecBuilder.build(config));
    }

    /** Boots a shipped profile with the standard backends plus {@code extra}; fails on a failed boot. */
    /** Configuration overrides written as key, value, key, value ... (the tests' shorthand). */
    public static Map<String, Object> overrides(String... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("overrides: a key without a value in " + List.of(keyValues));
        }
        Map<String, Object> out = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put(keyValues[i], keyValues[i + 1]);
        }
        return out;
    }

    /**
     * The file of test resource {@code path} as {@code owner}'s class loader finds it (a device tree
     * a test boots in place of its profile's, say), for a {@code dtb} override.
     */
    public static String resourceFile(Class<?> owner, String path) {
        java.net.URL url = owner.getResource(path);
        if (url == null) {
            throw new IllegalArgumentException("no test resource " + path + " beside " + owner.getName());
        }
        try {
            return java.nio.file.Path.of(url.toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(url.toString(), e);
        }
    }

    public static BootResult bootProfile(String profile, Map<String, ?> overrides, BootParticipant... extra) {
        Map<String, Object> config = new java.util.HashMap<>(overrides);
        config.put("profile", profile);
        BootResult r = boot(SpecBuilder.build(config), extra);
        if (!r.ok()) {
            throw new IllegalStateException("boot of " + profile + " failed: " + r.failure().orElse("?"));
        }
        return r;
    }

    /** The backends this test jar can compose, besides the architecture. */
    private static List<BootParticipant> offered() {
        return List.of(new ZoneBoot(), new CmaBoot(), new SwiotlbBoot(), new AtomicPoolBoot());
    }

    public static BootResult boot(PlatformSpec spec, BootParticipant... extra) {
        ArchSupport arch = spec.arch() == Arch.ARM64 ? new Arm64Arch() : new X86Arch();
        java.util.Optional<List<String>> wanted = Backends.required(spec);
        List<BootParticipant> parts = new ArrayList<>(StandardParts.participants());
        for (BootParticipant p : offered()) {
            if (wanted.isEmpty() || wanted.get().contains(p.name())) {
                parts.add(p);
            }
        }
        // What the caller adds takes part whatever its name: backends this module cannot see, and
        // the probes and broken participants of tests.
        parts.addAll(List.of(extra));
        // As in Felix, a backend that is also a reserved-memory handler (cma, dma.core) is one
        // registration offering both services.
        List<ReservedMemHandler> handlers = new ArrayList<>();
        for (BootParticipant p : parts) {
            if (p instanceof ReservedMemHandler h) {
                handlers.add(h);
            }
        }
        List<BootParticipant> started = new ArrayList<>(parts);
        started.add(0, arch);
        return new Booter(arch, parts, handlers).boot(spec).startRuntime(started, Publisher.NONE);
    }
}
