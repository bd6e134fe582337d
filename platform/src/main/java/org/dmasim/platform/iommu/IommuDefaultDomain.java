package org.dmasim.platform.iommu;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.Kconfig;

/**
 * {@code iommu_subsys_init()} ({@code drivers/iommu/iommu.c}, 6.1): decides the default
 * domain type and the TLB invalidation policy and prints both. The IOMMU core is built into
 * Debian's kernels, so these lines appear whether or not an IOMMU exists.
 *
 * <p>Inputs: Kconfig IOMMU_DEFAULT_{PASSTHROUGH,DMA_LAZY,DMA_STRICT}; {@code iommu.passthrough=}
 * and {@code iommu.strict=} (kstrtobool; "set via kernel command line"); on x86_64
 * {@code iommu=pt|nopt} and the deprecated {@code intel_iommu=strict}.
 */
public final class IommuDefaultDomain implements BootParticipant {
    /** The decision, published for the IOMMU backends. */
    public record DefaultDomain(boolean passthrough, boolean strict, boolean typeFromCmdline,
        boolean strictFromCmdline) {
    }

    @Override
    public String name() {
        return "platform.iommu";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.IOMMU_SUBSYS);
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        DefaultDomain d = decide(ctx.spec().cmdline(), ctx.spec().kconfig(), ctx.spec().arch(), ctx);
        ctx.put(DefaultDomain.class, d);
        ctx.log().info("iommu: Default domain type: " + (d.passthrough() ? "Passthrough" : "Translated") + " "
            + (d.typeFromCmdline() ? "(set via kernel command line)" : ""));
        if (!d.passthrough()) {
            ctx.log().info("iommu: DMA domain TLB invalidation policy: " + (d.strict() ? "strict" : "lazy") + " mode "
                + (d.strictFromCmdline() ? "(set via kernel command line)" : ""));
        }
    }

    static DefaultDomain decide(KernelCmdline cmdline, Kconfig kconfig, Arch arch, BootContext ctx) {
        boolean passthrough = kconfig.enabled("IOMMU_DEFAULT_PASSTHROUGH");
        boolean strict = !kconfig.enabled("IOMMU_DEFAULT_DMA_LAZY");
        boolean typeCmd = false;
        boolean strictCmd = false;
        // Early parameters are handled in command-line order; the last one wins.
        for (KernelCmdline.Param p : cmdline.params()) {
            String name = p.name().replace('-', '_');
            if (name.equals("iommu.passthrough")) {
                Optional<Boolean> v = kstrtobool(p.value());
                if (v.isEmpty()) {
                    malformed(ctx, p.name());
                    continue;
                }
                passthrough = v.get();
                typeCmd = true;
            } else if (name.equals("iommu.strict")) {
                Optional<Boolean> v = kstrtobool(p.value());
                if (v.isEmpty()) {
                    malformed(ctx, p.name());
                    continue;
                }
                strict = v.get();
                strictCmd = true;
            } else if (arch == Arch.X86_64 && name.equals("iommu") && p.value() != null) {
                for (String opt : p.value().split(",")) {
                    if (opt.startsWith("pt")) {
                        passthrough = true;
                        typeCmd = true;
                    } else if (opt.startsWith("nopt")) {
                        passthrough = false;
                        typeCmd = true;
                    }
                }
            } else if (arch == Arch.X86_64 && name.equals("intel_iommu") && p.value() != null) {
                for (String opt : p.value().split(",")) {
                    if (opt.equals("strict")) {
                        ctx.log().warn("DMAR: intel_iommu=strict deprecated; use iommu.strict=1");
                        strict = true;
                    }
                }
            }
        }
        return new DefaultDomain(passthrough, strict, typeCmd, strictCmd);
    }

    private static void malformed(BootContext ctx, String name) {
        ctx.log().warn("Malformed early option '" + name + "'");
    }

    /** {@code kstrtobool}: y/Y/1 and n/N/0 by the first character, on/off by the second. */
    static Optional<Boolean> kstrtobool(String s) {
        if (s == null || s.isEmpty()) {
            return Optional.empty();
        }
        switch (s.charAt(0)) {
            case 'y': case 'Y': case '1':
                return Optional.of(true);
            case 'n': case 'N': case '0':
                return Optional.of(false);
            case 'o': case 'O':
                if (s.length() > 1) {
                    char c = s.charAt(1);
                    if (c == 'n' || c == 'N') {
                        return Optional.of(true);
                    }
                    if (c == 'f' || c == 'F') {
                        return Optional.of(false);
                    }
                }
                return Optional.empty();
            default:
                return Optional.empty();
        }
    }
}
