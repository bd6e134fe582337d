package org.dmasim.platform.iommu;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.iommu.IommuDefaults;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.api.platform.KernelCmdline;

/**
 * The IOMMU core's part of boot (drivers/iommu/iommu.c, 6.1), built into Debian's kernels, so
 * it runs whether or not the platform has an IOMMU:
 * <ol>
 * <li>early parameters, at the start of setup_arch: {@code iommu.passthrough=} and
 * {@code iommu.strict=} ({@code kstrtobool}; a rejected value prints the kernel's
 * {@code Malformed early option}), and on x86_64 {@code iommu=} ({@link X86IommuParam});</li>
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

    @Override
    public int rank(BootPhase phase) {
        // parse_early_param() comes before the architecture's memory setup; __setup handlers
        // after the "Kernel command line:" notice.
        return switch (phase) {
            case MEMBLOCK -> -1000;
            case CMDLINE -> 10;
            default -> 0;
        };
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        KernelCmdline cmdline = ctx.spec().cmdline();
        Arch arch = ctx.spec().arch();
        switch (phase) {
            case MEMBLOCK -> {
                Kconfig kconfig = ctx.spec().kconfig();
                checkDefaultDomainChoice(kconfig);
                IommuCmdline iommu = new IommuCmdline(kconfig.enabled("IOMMU_DEFAULT_DMA_STRICT"));
                EarlyParam.parse(cmdline, earlyParams(iommu, arch, ctx), ctx.log());
                ctx.put(IommuCmdline.class, iommu);
            }
            case CMDLINE -> {
                if (arch == Arch.X86_64) {
                    IommuCmdline iommu = ctx.require(IommuCmdline.class);
                    // __setup("intel_iommu=") matches only with the '=': a bare word is not its.
                    EarlyParam.kernelParams(cmdline).stream()
                        .filter(p -> p.name().replace('-', '_').equals("intel_iommu") && p.value() != null)
                        .forEach(p -> IntelIommuParam.setup(p.value(), iommu, ctx.log()));
                }
            }
            case IOMMU_SUBSYS -> {
                IommuDefaults defaults = ctx.require(IommuCmdline.class)
                    .subsysInit(ctx.spec().kconfig().enabled("IOMMU_DEFAULT_PASSTHROUGH"));
                ctx.put(IommuDefaults.class, defaults);
                defaults.bootLines().forEach(ctx.log()::info);
            }
            default -> {
            }
        }
    }

    private static Map<String, EarlyParam> earlyParams(IommuCmdline iommu, Arch arch, BootContext ctx) {
        if (arch == Arch.X86_64) {
            return Map.of("iommu.passthrough", iommu::passthroughParam, "iommu.strict", iommu::strictParam,
                "iommu", value -> X86IommuParam.setup(value, iommu, ctx.log()));
        }
        return Map.of("iommu.passthrough", iommu::passthroughParam, "iommu.strict", iommu::strictParam);
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
