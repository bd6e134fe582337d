package org.dmasim.platform.dt;

/**
 * The validated DTB header: every block lies inside {@code totalsize}, past the header and
 * aligned as the format requires. Offsets and sizes are unsigned, hence {@code long}.
 */
record FdtHeader(long totalSize, long structOffset, long structSize, long stringsOffset,
                 long stringsSize, long memReserveOffset, long version, long bootCpuidPhys) {

    static FdtHeader read(Blob blob) {
        if (blob.length() < 4) {
            throw blob.error(0, "blob is " + blob.length()
                + " bytes, too short for the 0xd00dfeed magic");
        }
        long magic = blob.u32(Fdt.OFF_MAGIC, "magic");
        if (magic != Fdt.MAGIC) {
            throw blob.error(Fdt.OFF_MAGIC, "bad magic 0x" + hex(magic) + " (a DTB starts with 0xd00dfeed)");
        }
        if (blob.length() < Fdt.HEADER_SIZE_V16) {
            throw blob.error(0, "blob is " + blob.length() + " bytes, too short for the "
                + Fdt.HEADER_SIZE_V16 + "-byte header");
        }
        long version = blob.u32(Fdt.OFF_VERSION, "version");
        long lastComp = blob.u32(Fdt.OFF_LAST_COMP_VERSION, "last_comp_version");
        if (version < Fdt.OLDEST_READABLE_VERSION) {
            throw blob.error(Fdt.OFF_VERSION, "version " + version
                + " is not supported (need " + Fdt.OLDEST_READABLE_VERSION + " or later)");
        }
        if (lastComp > Fdt.VERSION) {
            throw blob.error(Fdt.OFF_LAST_COMP_VERSION, "last_comp_version " + lastComp
                + " means only version-" + lastComp + " readers can parse it; this reader knows version "
                + Fdt.VERSION);
        }
        if (lastComp > version) {
            throw blob.error(Fdt.OFF_LAST_COMP_VERSION, "last_comp_version " + lastComp
                + " is newer than the version " + version);
        }
        int headerSize = version >= 17 ? Fdt.HEADER_SIZE_V17 : Fdt.HEADER_SIZE_V16;
        if (blob.length() < headerSize) {
            throw blob.error(0, "blob is " + blob.length() + " bytes, too short for the "
                + headerSize + "-byte version-" + version + " header");
        }

        long totalSize = blob.u32(Fdt.OFF_TOTALSIZE, "totalsize");
        if (totalSize < headerSize) {
            throw blob.error(Fdt.OFF_TOTALSIZE, "totalsize 0x" + hex(totalSize)
                + " is smaller than the " + headerSize + "-byte header");
        }
        if (totalSize > blob.length()) {
            throw blob.error(Fdt.OFF_TOTALSIZE, "totalsize 0x" + hex(totalSize) + " runs past the end of the "
                + "0x" + hex(blob.length()) + "-byte blob (truncated?)");
        }

        long rsvOffset = blob.u32(Fdt.OFF_MEM_RSVMAP, "off_mem_rsvmap");
        checkBlockStart(blob, Fdt.OFF_MEM_RSVMAP, "off_mem_rsvmap", rsvOffset, headerSize, totalSize, 8);

        long structOffset = blob.u32(Fdt.OFF_DT_STRUCT, "off_dt_struct");
        checkBlockStart(blob, Fdt.OFF_DT_STRUCT, "off_dt_struct", structOffset, headerSize, totalSize, 4);
        long structSize;
        if (version >= 17) {
            structSize = blob.u32(Fdt.OFF_SIZE_DT_STRUCT, "size_dt_struct");
            checkBlockEnd(blob, Fdt.OFF_SIZE_DT_STRUCT, "structure block", structOffset, structSize, totalSize);
        } else {
            structSize = totalSize - structOffset; // v16 has no size; totalsize is the only bound
        }

        long stringsOffset = blob.u32(Fdt.OFF_DT_STRINGS, "off_dt_strings");
        long stringsSize = blob.u32(Fdt.OFF_SIZE_DT_STRINGS, "size_dt_strings");
        checkBlockStart(blob, Fdt.OFF_DT_STRINGS, "off_dt_strings", stringsOffset, headerSize, totalSize, 1);
        checkBlockEnd(blob, Fdt.OFF_SIZE_DT_STRINGS, "strings block", stringsOffset, stringsSize, totalSize);

        long bootCpu = blob.u32(Fdt.OFF_BOOT_CPUID_PHYS, "boot_cpuid_phys");
        return new FdtHeader(totalSize, structOffset, structSize, stringsOffset, stringsSize, rsvOffset,
            version, bootCpu);
    }

    long structEnd() {
        return structOffset + structSize;
    }

    long stringsEnd() {
        return stringsOffset + stringsSize;
    }

    private static void checkBlockStart(Blob blob, int field, String name, long offset, int headerSize,
                                        long totalSize, int alignment) {
        if (offset < headerSize) {
            throw blob.error(field, name + " 0x" + hex(offset) + " points into the "
                + headerSize + "-byte header");
        }
        if (offset > totalSize) {
            throw blob.error(field, name + " 0x" + hex(offset) + " lies past totalsize 0x" + hex(totalSize));
        }
        if (offset % alignment != 0) {
            throw blob.error(field, name + " 0x" + hex(offset) + " is not " + alignment + "-byte aligned");
        }
    }

    private static void checkBlockEnd(Blob blob, int field, String block, long offset, long size,
                                      long totalSize) {
        if (offset + size > totalSize) {
            throw blob.error(field, block + " [0x" + hex(offset) + ", 0x" + hex(offset + size)
                + ") runs past totalsize 0x" + hex(totalSize));
        }
    }

    static String hex(long v) {
        return Long.toHexString(v);
    }
}
