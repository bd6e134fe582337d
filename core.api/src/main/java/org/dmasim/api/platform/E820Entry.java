package org.dmasim.api.platform;

import java.util.Locale;

/**
 * One firmware memory-map entry as the kernel prints it
 * ({@code BIOS-e820: [mem 0x...-0x...] usable}); {@code end} is inclusive, like the print.
 */
public record E820Entry(long start, long end, Type type) {
    /** e820 types with the names {@code e820_print_type} uses. */
    public enum Type {
        USABLE("usable"), RESERVED("reserved"), ACPI("ACPI data"), NVS("ACPI NVS"),
        UNUSABLE("unusable"), PMEM("persistent (type 7)"), PRAM("persistent (type 12)"),
        SOFT_RESERVED("soft reserved");

        private final String printed;

        Type(String printed) {
            this.printed = printed;
        }

        public String printed() {
            return printed;
        }

        public static Type parse(String s) {
            String t = s.trim();
            for (Type type : values()) {
                if (type.printed.equals(t)) {
                    return type;
                }
            }
            if (t.toLowerCase(Locale.ROOT).startsWith("type ")) {
                return RESERVED;
            }
            throw new InvalidInputException("e820 type '" + s + "': unknown (expected usable, reserved,"
                + " ACPI data, ACPI NVS, unusable, persistent (type 7|12), soft reserved)");
        }
    }

    public E820Entry {
        if (Long.compareUnsigned(end, start) < 0) {
            throw new InvalidInputException(String.format("e820 entry [mem %#018x-%#018x]: end below start", start, end));
        }
    }

    public long size() {
        return end - start + 1;
    }

    @Override
    public String toString() {
        return String.format("BIOS-e820: [mem %#018x-%#018x] %s", start, end, type.printed());
    }
}
