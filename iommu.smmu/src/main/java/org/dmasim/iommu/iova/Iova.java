package org.dmasim.iommu.iova;

/**
 * A node of the IOVA tree ({@code struct iova}). Its identity matters: the domain's cached
 * search points hold nodes, as the kernel holds {@code rb_node} pointers. {@code pfnLo} is only
 * changed by {@code reserve_iova}'s merge, which re-keys the node in the tree.
 */
final class Iova {
    long pfnLo;
    final long pfnHi;
    boolean reserved;

    Iova(long pfnLo, long pfnHi, boolean reserved) {
        this.pfnLo = pfnLo;
        this.pfnHi = pfnHi;
        this.reserved = reserved;
    }

    IovaRange range() {
        return new IovaRange(pfnLo, pfnHi, reserved);
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(pfnLo) + "..0x" + Long.toHexString(pfnHi) + (reserved ? " reserved]" : "]");
    }
}
