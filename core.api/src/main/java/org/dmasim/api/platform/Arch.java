package org.dmasim.api.platform;

import java.util.Locale;

/** The simulated architectures; both use 4 KiB pages. */
public enum Arch {
    X86_64("x86_64"), ARM64("arm64");

    private final String id;

    Arch(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Arch parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "x86_64": case "x86-64": case "amd64": case "x86":
                return X86_64;
            case "arm64": case "aarch64":
                return ARM64;
            default:
                throw new InvalidInputException("arch '" + s + "': unknown architecture (expected x86_64 or arm64)");
        }
    }

    @Override
    public String toString() {
        return id;
    }
}
