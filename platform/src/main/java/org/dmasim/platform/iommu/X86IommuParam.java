package org.dmasim.platform.iommu;

import org.dmasim.api.boot.Errno;
import org.dmasim.api.platform.BootLog;

/**
 * The default-domain side of x86's {@code iommu=} early parameter ({@code iommu_setup},
 * arch/x86/kernel/pci-dma.c, 6.1). Options are comma separated and matched by prefix, each
 * against every test: {@code pt} sets a passthrough default and {@code nopt} a translated one
 * (both as command-line choices); {@code forcesac}, {@code allowdac} and {@code nodac} are
 * obsolete and say so; {@code usedac} makes the handler return 1 at once, so the kernel reports
 * the whole parameter malformed and skips the options after it; no value at all is -EINVAL.
 * The swiotlb side ({@code off}, {@code soft}) is the x86 architecture's own handler of the same
 * parameter (arch.x86), which accepts every value, so the malformed warning comes from here
 * alone; GART options have nothing to act on here.
 */
final class X86IommuParam {
    private X86IommuParam() {
    }

    static int setup(String value, IommuCmdline iommu, BootLog log) {
        if (value == null) {
            return -Errno.EINVAL;
        }
        for (String opt : value.split(",")) {
            for (String obsolete : new String[] {"forcesac", "allowdac", "nodac"}) {
                if (opt.startsWith(obsolete)) {
                    log.warn(obsolete + " option ignored.");
                }
            }
            if (opt.startsWith("usedac")) {
                return 1;
            }
            if (opt.startsWith("pt")) {
                iommu.setDefaultPassthrough(true);
            }
            if (opt.startsWith("nopt")) {
                iommu.setDefaultTranslated(true);
            }
        }
        return 0;
    }
}
