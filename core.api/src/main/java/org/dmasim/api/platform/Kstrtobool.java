package org.dmasim.api.platform;

import java.util.Optional;

/**
 * {@code kstrtobool()} of Linux 6.1 (lib/kstrtox.c): the first character decides, {@code y Y t T 1}
 * true and {@code n N f F 0} false ("true"/"false" since 5.19, commit 0d6ea3ac94ca);
 * {@code o}/{@code O} needs a second character, {@code n N} for "on" and {@code f F} for "off".
 * Everything after the deciding characters is ignored ({@code yes-please} and {@code tomato} are
 * true); anything else, a missing value included, is -EINVAL. Used by every boolean kernel
 * parameter ({@code iommu.strict=}, {@code iommu.forcedac=}, module parameters of type bool).
 *
 * @since 2.6
 */
public final class Kstrtobool {
    private Kstrtobool() {
    }

    /** The value, or empty where the kernel answers -EINVAL. */
    public static Optional<Boolean> parse(String s) {
        if (s == null || s.isEmpty()) {
            return Optional.empty();
        }
        switch (s.charAt(0)) {
            case 'y', 'Y', 't', 'T', '1':
                return Optional.of(true);
            case 'n', 'N', 'f', 'F', '0':
                return Optional.of(false);
            case 'o', 'O':
                if (s.length() > 1) {
                    switch (s.charAt(1)) {
                        case 'n', 'N':
                            return Optional.of(true);
                        case 'f', 'F':
                            return Optional.of(false);
                        default:
                            break;
                    }
                }
                return Optional.empty();
            default:
                return Optional.empty();
        }
    }
}
