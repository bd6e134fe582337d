package org.dmasim.platform.dt;

/**
 * Constants of the flattened device tree (FDT/DTB) format, version 17, as the Devicetree
 * Specification (chapter 5) defines them. Every field is a big-endian 32-bit word.
 */
final class Fdt {
    static final long MAGIC = 0xd00dfeedL;

    /** The version we write and the newest layout we understand. */
    static final int VERSION = 17;
    /** Version 16 lacks only {@code size_dt_struct}; older ones used full-path node names. */
    static final int OLDEST_READABLE_VERSION = 16;
    /** What we put in {@code last_comp_version}: a v17 blob is readable by v16 readers. */
    static final int LAST_COMPATIBLE_VERSION = 16;

    static final int HEADER_SIZE_V16 = 36;
    static final int HEADER_SIZE_V17 = 40;

    // Header field offsets.
    static final int OFF_MAGIC = 0x00;
    static final int OFF_TOTALSIZE = 0x04;
    static final int OFF_DT_STRUCT = 0x08;
    static final int OFF_DT_STRINGS = 0x0c;
    static final int OFF_MEM_RSVMAP = 0x10;
    static final int OFF_VERSION = 0x14;
    static final int OFF_LAST_COMP_VERSION = 0x18;
    static final int OFF_BOOT_CPUID_PHYS = 0x1c;
    static final int OFF_SIZE_DT_STRINGS = 0x20;
    static final int OFF_SIZE_DT_STRUCT = 0x24;

    // Structure block tokens.
    static final int BEGIN_NODE = 1;
    static final int END_NODE = 2;
    static final int PROP = 3;
    static final int NOP = 4;
    static final int END = 9;

    /** One memory reservation entry: u64 address, u64 size. */
    static final int RESERVATION_ENTRY_SIZE = 16;

    /**
     * Deepest node nesting accepted (root = depth 1). Linux's unflatten_dt_nodes() gives up at
     * the same depth (FDT_MAX_DEPTH), so a deeper tree could not have booted anyway.
     */
    static final int MAX_DEPTH = 64;

    private Fdt() {
    }

    static long align(long offset, int to) {
        return (offset + to - 1) & -(long) to;
    }

    static boolean startsWithMagic(byte[] blob) {
        return blob.length >= 4 && ((blob[0] & 0xffL) << 24 | (blob[1] & 0xffL) << 16
            | (blob[2] & 0xffL) << 8 | (blob[3] & 0xffL)) == MAGIC;
    }
}
