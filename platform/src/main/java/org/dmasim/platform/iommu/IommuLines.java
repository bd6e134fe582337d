package org.dmasim.platform.iommu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dmasim.api.iommu.IommuDefaults;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.KernelVersion;

/**
 * The lines {@code iommu_subsys_init()} prints (KERN_INFO, {@code "iommu: "} prefix) for a
 * decision: the default domain type, then the TLB invalidation policy unless the default is
 * passthrough. The one rule of this file that differs between the modelled kernels is how the
 * "(set via kernel command line)" suffix is joined:
 * <ul>
 * <li>6.1: {@code "%s %s\n"} with an empty second string when Kconfig decided, so the line ends
 *     in a space ({@code Translated }, {@code strict mode });</li>
 * <li>6.12: {@code "%s%s\n"} with {@code " (set via kernel command line)"} or nothing, so no
 *     trailing space.</li>
 * </ul>
 */
abstract class IommuLines {
    private static final ByKernel<IommuLines> BY_KERNEL = ByKernel.of("the IOMMU core's boot lines", Map.of(
        "6.1", new IommuLines() {
            @Override
            String suffix(boolean fromCmdline) {
                return fromCmdline ? " (set via kernel command line)" : " ";
            }
        },
        "6.12", new IommuLines() {
            @Override
            String suffix(boolean fromCmdline) {
                return fromCmdline ? " (set via kernel command line)" : "";
            }
        }));

    static Set<KernelVersion> kernels() {
        return BY_KERNEL.kernels();
    }

    static IommuLines of(KernelVersion kernel) {
        return BY_KERNEL.get(kernel);
    }

    /** What follows the value: the command-line remark, or this kernel's filler. */
    abstract String suffix(boolean fromCmdline);

    List<String> lines(IommuDefaults d) {
        List<String> out = new ArrayList<>(2);
        out.add("iommu: Default domain type: " + d.type().printedName() + suffix(d.typeFromCmdline()));
        if (!d.passthrough()) {
            out.add("iommu: DMA domain TLB invalidation policy: " + (d.strict() ? "strict" : "lazy") + " mode"
                + suffix(d.strictFromCmdline()));
        }
        return List.copyOf(out);
    }
}
