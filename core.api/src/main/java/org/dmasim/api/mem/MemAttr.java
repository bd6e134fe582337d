package org.dmasim.api.mem;

/**
 * The memory type of a kernel mapping. On arm64 it is the page table entry's AttrIndx into
 * MAIR_EL1 (arch/arm64/include/asm/memory.h, 6.1 indices and attribute bytes); on x86_64 the
 * kernel's coherent buffers are always {@link #NORMAL} (write-back).
 */
public enum MemAttr {
    /** MT_NORMAL: Normal, inner/outer write-back cacheable (MAIR 0xff). The linear map. */
    NORMAL("MT_NORMAL", 0, 0xff, true),
    /** MT_NORMAL_TAGGED (MAIR 0xf0). */
    NORMAL_TAGGED("MT_NORMAL_TAGGED", 1, 0xf0, true),
    /** MT_NORMAL_NC: Normal, inner/outer non-cacheable (MAIR 0x44); pgprot_dmacoherent. */
    NORMAL_NC("MT_NORMAL_NC", 2, 0x44, false),
    /** MT_DEVICE_nGnRnE (MAIR 0x00). */
    DEVICE_nGnRnE("MT_DEVICE_nGnRnE", 3, 0x00, false),
    /** MT_DEVICE_nGnRE (MAIR 0x04); ioremap. */
    DEVICE_nGnRE("MT_DEVICE_nGnRE", 4, 0x04, false);

    private final String kernelName;
    private final int attrIndex;
    private final int mair;
    private final boolean cacheable;

    MemAttr(String kernelName, int attrIndex, int mair, boolean cacheable) {
        this.kernelName = kernelName;
        this.attrIndex = attrIndex;
        this.mair = mair;
        this.cacheable = cacheable;
    }

    public String kernelName() {
        return kernelName;
    }

    /** PTE AttrIndx[2:0]. */
    public int attrIndex() {
        return attrIndex;
    }

    /** The MAIR_EL1 attribute byte at that index. */
    public int mair() {
        return mair;
    }

    /** Whether CPU accesses through such a mapping allocate in the data cache. */
    public boolean cacheable() {
        return cacheable;
    }
}
