package org.dmasim.iommu.pgtable;

/** The {@code IOMMU_*} protection flags of {@code include/linux/iommu.h} (6.1). */
public final class IommuProt {
    public static final int READ = 1 << 0;
    public static final int WRITE = 1 << 1;
    public static final int CACHE = 1 << 2;
    public static final int NOEXEC = 1 << 3;
    public static final int MMIO = 1 << 4;
    public static final int PRIV = 1 << 5;

    private IommuProt() {
    }
}
