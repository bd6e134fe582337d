package org.dmasim.iommu.smmu;

/** The SMMU driver refused a probe; the message is the kernel's line (with its device prefix). */
public final class SmmuProbeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    public SmmuProbeException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The negative errno the kernel's probe returns. */
    public int errno() {
        return errno;
    }
}
