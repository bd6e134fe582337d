package org.dmasim.platform.iommu;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.EarlyParam;
import org.dmasim.api.iommu.IommuDefaults;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.api.platform.KernelVersion;

/**
 * The IOMMU core's part of boot (drivers/iommu/iommu.c; 6.1 and 6.12 decide alike and print
 * alike but for a trailing space, {@link IommuLines}), built into Debian's kernels, so
 * it runs whether or not the platform has an IOMMU:
 * <ol>
 * <li>early parameters, run by the platform's {@code parse_early_param()} with every other
 * one: {@code iommu.passthrough=} and {@code iommu.strict=} ({@code kstrtobool}; a rejected
 * value prints the kernel's {@code Malformed early option}), and on x86_64 {@code iommu=}
 * ({@link X86IommuParam});</li>
 * <li>on x86_64, the VT-d driver's {@code intel_iommu=} once the command line is parsed
 * ({@link IntelIommuParam});</li>
 * <li>{@code iommu_subsys_init()} (subsys_initcall): the decision, published as
 * {@link IommuDefaults} for IOMMU backends, and its two boot lines.</li>
 * </ol>
 * The Kconfig default domain type is one Kconfig choice; a configuration that sets none or
 * several of its options is refused.
 */
public final class IommuBoot implements BootParticipant {
    static final List<String> DEFAULT_DOMAIN_CHOICE = List.of("IOMMU_DEFAULT_PASSTHROUGH", "IOMMU_DEFAULT_DMA_LAZY",
        "IOMMU_DEFAULT_DMA_STRICT");

    @Override
    public String name() {
        return "platform.iommu";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.MEMBLOCK, BootPhase.CMDLINE, BootPhase.IOMMU_SUBSYS);
    }

    /** The boot lines' format differs between kernels ({@link IommuLines}). */
    @Override
    public Set<KernelVersion> kernels() {
        return IommuLines.kernels();
    }

    @Override
    public int rank(BootPhase phase) {
        // The Kconfig choice is checked before the architecture's memory setup runs
        // parse_early_param(); __setup handlers come after the "Kernel command line:" notice.
        return switch (phase) {
            case MEMBLOCK -> -1000;
            case CMDLINE -> 10;
            default -> 0;
        };
    }

    /**
     * The IOMMU core's {@code early_param}s, {@code iommu.passthrough=} and {@code iommu.strict=}
     * ({@code kstrtobool}), and on x86_64 the default-domain side of {@code iommu=}
     * ({@link X86IommuParam}; its swiotlb side is the architecture's handler of the same name).
     * The platform runs them with every other early parameter, in command-line order.
     */
    @Override
    public List<EarlyParam> earlyParams(Arch arch) {
        List<EarlyParam> out = new ArrayList<>(List.of(
            EarlyParam.of("iommu.passthrough", (value, ctx) -> IommuCmdline.of(ctx).passthroughParam(value)),
            EarlyParam.of("iommu.strict", (value, ctx) -> IommuCmdline.of(ctx).strictParam(value))));
        if (arch == Arch.X86_64) {
            out.add(EarlyParam.of("iommu", (value, ctx) -> X86IommuParam.setup(value, IommuCmdline.of(ctx), ctx.log())));
        }
        return out;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        switch (phase) {
            case MEMBLOCK -> checkDefaultDomainChoice(ctx.spec().kconfig());
            case CMDLINE -> {
                if (ctx.spec().arch() == Arch.X86_64) {
                    // __setup("intel_iommu=") matches only with the '=': a bare word is not its.
                    // params() ends at a bare "--", after which everything is init's.
                    ctx.spec().cmdline().params().stream()
                        .filter(p -> p.name().replace('-', '_').equals("intel_iommu") && p.value() != null)
                        .forEach(p -> IntelIommuParam.setup(p.value(), IommuCmdline.of(ctx), ctx.log()));
                }
            }
            case IOMMU_SUBSYS -> {
                IommuDefaults defaults = IommuCmdline.of(ctx)
                    .subsysInit(ctx.spec().kconfig().enabled("IOMMU_DEFAULT_PASSTHROUGH"));
                ctx.put(IommuDefaults.class, defaults);
                IommuLines.of(ctx.spec().kernel()).lines(defaults).forEach(ctx.log()::info);
            }
            default -> {
            }
        }
    }

    /** drivers/iommu/Kconfig: "IOMMU default domain type" is a choice, exactly one of three. */
    static void checkDefaultDomainChoice(Kconfig kconfig) {
        List<String> chosen = new ArrayList<>();
        for (String option : DEFAULT_DOMAIN_CHOICE) {
            if (kconfig.enabled(option)) {
                chosen.add(option + "=y");
            }
        }
        if (chosen.size() != 1) {
            throw new InvalidInputException("kconfig: " + String.join(", ", DEFAULT_DOMAIN_CHOICE) + " form one Kconfig"
                + " choice (the IOMMU default domain type): exactly one must be y, "
                + (chosen.isEmpty() ? "none is" : "not " + String.join(" and ", chosen)));
        }
    }
}
