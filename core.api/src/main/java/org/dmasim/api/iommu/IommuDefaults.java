package org.dmasim.api.iommu;

import java.util.Objects;

/**
 * What {@code iommu_subsys_init()} settled at boot: the default domain type and whether DMA
 * domains invalidate the IOTLB strictly, each with whether the kernel command line chose it
 * (which the boot lines report). Kconfig gives the defaults ({@code IOMMU_DEFAULT_PASSTHROUGH},
 * {@code IOMMU_DEFAULT_DMA_LAZY}, {@code IOMMU_DEFAULT_DMA_STRICT}); {@code iommu.passthrough=},
 * {@code iommu.strict=} and, on x86_64, {@code iommu=pt|nopt} and {@code intel_iommu=strict}
 * change them. The lines {@code iommu_subsys_init()} prints from these values differ between
 * kernel versions and are the platform's to format.
 *
 * <p>A translated default is {@link DomainType#DMA_FQ} exactly when it is not strict, as the
 * kernel derives it; an identity default keeps the strict flag the DMA domains would use.
 *
 * @param type the default domain type
 * @param strict {@code iommu_dma_strict}: unmaps invalidate at once instead of through a flush queue
 * @param typeFromCmdline the type was set on the command line ({@code IOMMU_CMD_LINE_DMA_API})
 * @param strictFromCmdline {@code iommu.strict=} set the policy ({@code IOMMU_CMD_LINE_STRICT})
 */
public record IommuDefaults(DomainType type, boolean strict, boolean typeFromCmdline, boolean strictFromCmdline) {
    public IommuDefaults {
        Objects.requireNonNull(type, "type");
        if (type != DomainType.IDENTITY && (type == DomainType.DMA_FQ) == strict) {
            throw new IllegalArgumentException("iommu defaults: a translated default domain is DMA_FQ exactly when it"
                + " is lazy (type " + type + ", strict " + strict + ")");
        }
    }

    /** {@code iommu_default_passthrough()}. */
    public boolean passthrough() {
        return type == DomainType.IDENTITY;
    }
}
