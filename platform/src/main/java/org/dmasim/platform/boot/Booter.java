package org.dmasim.platform.boot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.dmasim.api.boot.ArchSupport;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.EarlyParam;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.api.backend.Backends;
import org.dmasim.api.backend.RuntimeServices;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelVersion;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.platform.runtime.PlatformRuntime;

/**
 * Runs one platform's boot: the architecture's phase order, and in each phase every
 * participant that takes part, by rank. Plain Java, so that unit tests can compose a platform
 * without a framework; the DS component {@code PlatformComponent} feeds it services.
 */
public final class Booter {
    private final ArchSupport arch;
    private final List<BootParticipant> participants;
    private final List<ReservedMemHandler> handlers;

    public Booter(ArchSupport arch, List<? extends BootParticipant> participants, List<ReservedMemHandler> handlers) {
        this.arch = arch;
        this.participants = new ArrayList<>(participants);
        if (!this.participants.contains(arch)) {
            this.participants.add(0, arch);
        }
        this.handlers = List.copyOf(handlers);
    }

    /**
     * Boots. Bad input surfaces as {@link InvalidInputException}; the partial log is attached
     * to the result either way. Anything else a participant throws (a defect some input
     * reached, a stack overflow, an exhausted heap) also ends the boot with a one-line failure
     * naming the platform's inputs and the step, and is kept as {@link BootResult#unexpected()}.
     */
    public BootResult boot(PlatformSpec spec) {
        if (spec.arch() != arch.arch()) {
            throw new IllegalArgumentException("arch backend " + arch.arch() + " cannot boot a " + spec.arch() + " platform");
        }
        List<EarlyParam> early = new ArrayList<>();
        for (BootParticipant p : participants) {
            early.addAll(p.earlyParams(spec.arch()));
        }
        BootContextImpl ctx = new BootContextImpl(spec, handlers, early);
        // Generic code asks the architecture for what its headers define (the virtual layout).
        ctx.put(ArchSupport.class, arch);
        // Run-time consumers (dma.core) keep this to find the current backends when they are called.
        PlatformRuntime runtime = new PlatformRuntime(spec, ctx.log());
        runtime.bootFacts(type -> ctx.get(type));
        ctx.put(RuntimeServices.class, runtime);
        try {
            checkKernel(spec);
            checkBackendChoices(spec);
        } catch (InvalidInputException e) {
            return BootResult.failed(ctx.log(), e.getMessage(), Map.of());
        }
        for (BootPhase phase : arch.bootOrder()) {
            List<BootParticipant> inPhase = new ArrayList<>();
            for (BootParticipant p : participants) {
                if (p.phases(spec.arch()).contains(phase)) {
                    inPhase.add(p);
                }
            }
            inPhase.sort(Comparator.comparingInt(p -> p.rank(phase)));
            for (BootParticipant p : inPhase) {
                BootResult failed = step(ctx, phase.name().toLowerCase(Locale.ROOT) + " (" + p.name() + ")",
                    () -> p.run(phase, ctx));
                if (failed != null) {
                    return failed;
                }
            }
            if (phase == BootPhase.MEMBLOCK) {
                // setup_arch() has run parse_early_param() by the end of this phase; an
                // architecture that did not call it at its own point gets it here.
                BootResult failed = step(ctx, "parse_early_param", ctx::parseEarlyParams);
                if (failed != null) {
                    return failed;
                }
            }
        }
        return BootResult.booted(ctx.log(), Map.copyOf(ctx.published()), runtime);
    }

    /** Runs one step; the failed result when it threw, else null. */
    private static BootResult step(BootContextImpl ctx, String step, Runnable work) {
        try {
            work.run();
            return null;
        } catch (InvalidInputException e) {
            return BootResult.failed(ctx.log(), e.getMessage(), Map.copyOf(ctx.published()));
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            return BootResult.unexpected(ctx.log(), BootFailures.describe(ctx.spec(), step, e), e,
                Map.copyOf(ctx.published()));
        }
    }

    /**
     * Every participant whose part of boot differs between kernels models the platform's kernel
     * ({@link BootParticipant#kernels()}): a kernel some backend lacks the rules of is refused
     * before anything boots, naming the backend and the kernels it has.
     */
    void checkKernel(PlatformSpec spec) {
        for (BootParticipant p : participants) {
            Set<KernelVersion> kernels = p.kernels();
            if (!kernels.isEmpty() && !kernels.contains(spec.kernel())) {
                throw new InvalidInputException("kernel " + spec.kernel() + ": backend " + p.name() + " models "
                    + new TreeSet<>(kernels).stream().map(KernelVersion::toString)
                        .collect(java.util.stream.Collectors.joining(", ")) + " only");
            }
        }
    }

    /**
     * Every backend choice of the spec ({@code --backend SUBSYSTEM=CHOICE}, {@code backend.SUBSYSTEM}
     * profile keys) names a subsystem a participant declares and a choice it accepts.
     */
    void checkBackendChoices(PlatformSpec spec) {
        Map<String, Set<String>> declared = new TreeMap<>();
        for (BootParticipant p : participants) {
            p.backendChoices().forEach((subsystem, choices) ->
                declared.computeIfAbsent(subsystem, k -> new TreeSet<>()).addAll(choices));
        }
        for (Map.Entry<String, String> e : spec.options().entrySet()) {
            if (e.getKey().equals(Backends.OPTION)) {
                continue; // the list of backends the platform needs, not a choice
            }
            Set<String> choices = declared.get(e.getKey());
            if (choices == null) {
                throw new InvalidInputException("backend " + e.getKey() + "=" + e.getValue() + ": unknown subsystem '"
                    + e.getKey() + "' (subsystems with a backend choice: " + (declared.isEmpty() ? "none"
                        : String.join(", ", declared.keySet())) + ")");
            }
            if (!choices.contains(e.getValue().strip())) {
                throw new InvalidInputException("backend " + e.getKey() + "=" + e.getValue() + ": unknown choice '"
                    + e.getValue().strip() + "' (" + e.getKey() + " choices: " + String.join(", ", choices) + ")");
            }
        }
    }
}
