package org.dmasim.platform.iommu;

import org.dmasim.api.platform.Kstrtobool;

import java.util.Optional;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.iommu.DomainType;
import org.dmasim.api.iommu.IommuDefaults;

/**
 * The IOMMU core's state between the command line and {@code iommu_subsys_init()}
 * (drivers/iommu/iommu.c, 6.1): {@code iommu_def_domain_type} (unset until a parameter or
 * subsys_init sets it), {@code iommu_dma_strict} (CONFIG_IOMMU_DEFAULT_DMA_STRICT until a
 * parameter changes it) and the two {@code iommu_cmd_line} bits. Early parameters and drivers'
 * {@code __setup} handlers change it in the order the kernel runs them; the last change wins.
 * One per boot.
 */
final class IommuCmdline {
    private DomainType defDomainType;
    private boolean dmaStrict;
    private boolean cmdLineDmaApi;
    private boolean cmdLineStrict;

    IommuCmdline(boolean kconfigStrict) {
        this.dmaStrict = kconfigStrict;
    }

    /**
     * This boot's state, made on first use (the first IOMMU parameter, or the subsys_initcall
     * when there was none) with {@code iommu_dma_strict} from CONFIG_IOMMU_DEFAULT_DMA_STRICT.
     */
    static IommuCmdline of(BootContext ctx) {
        Optional<IommuCmdline> made = ctx.get(IommuCmdline.class);
        if (made.isPresent()) {
            return made.get();
        }
        IommuCmdline fresh = new IommuCmdline(ctx.spec().kconfig().enabled("IOMMU_DEFAULT_DMA_STRICT"));
        ctx.put(IommuCmdline.class, fresh);
        return fresh;
    }

    void setDefaultPassthrough(boolean cmdLine) {
        cmdLineDmaApi |= cmdLine;
        defDomainType = DomainType.IDENTITY;
    }

    void setDefaultTranslated(boolean cmdLine) {
        cmdLineDmaApi |= cmdLine;
        defDomainType = DomainType.DMA;
    }

    /** {@code iommu.passthrough=} ({@code iommu_set_def_domain_type}). */
    int passthroughParam(String value) {
        Optional<Boolean> pt = Kstrtobool.parse(value);
        if (pt.isEmpty()) {
            return -Errno.EINVAL;
        }
        if (pt.get()) {
            setDefaultPassthrough(true);
        } else {
            setDefaultTranslated(true);
        }
        return 0;
    }

    /** {@code iommu.strict=} ({@code iommu_dma_setup}): a rejected value changes nothing. */
    int strictParam(String value) {
        Optional<Boolean> strict = Kstrtobool.parse(value);
        if (strict.isEmpty()) {
            return -Errno.EINVAL;
        }
        dmaStrict = strict.get();
        cmdLineStrict = true;
        return 0;
    }

    /**
     * {@code iommu_set_dma_strict()}: a driver insists on strict invalidation. It does not count
     * as a command-line choice, so the policy line carries no suffix.
     */
    void setDmaStrict() {
        dmaStrict = true;
        if (defDomainType == DomainType.DMA_FQ) {
            defDomainType = DomainType.DMA;
        }
    }

    /**
     * {@code iommu_subsys_init()}: Kconfig decides the type unless the command line did, and a
     * translated default becomes the flush-queue type when invalidation is lazy. (The kernel's
     * memory-encryption override of a passthrough default does not apply: no simulated platform
     * encrypts memory.)
     */
    IommuDefaults subsysInit(boolean kconfigPassthrough) {
        if (!cmdLineDmaApi) {
            if (kconfigPassthrough) {
                setDefaultPassthrough(false);
            } else {
                setDefaultTranslated(false);
            }
        }
        if (defDomainType != DomainType.IDENTITY && !dmaStrict) {
            defDomainType = DomainType.DMA_FQ;
        }
        return new IommuDefaults(defDomainType, dmaStrict, cmdLineDmaApi, cmdLineStrict);
    }
}
