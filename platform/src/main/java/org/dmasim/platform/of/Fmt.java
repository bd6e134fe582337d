package org.dmasim.platform.of;

/** The kernel's {@code %pa}: 0x and 16 hex digits. */
final class Fmt {
    private Fmt() {
    }

    static String pa(long addr) {
        return String.format("0x%016x", addr);
    }
}
