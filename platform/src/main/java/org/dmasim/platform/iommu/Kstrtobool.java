package org.dmasim.platform.iommu;

import java.util.Optional;

/**
 * {@code kstrtobool()} of Linux 6.1 (lib/kstrtox.c): the first character decides, {@code y Y t T 1}
 * true and {@code n N f F 0} false ("true"/"false" since 5.19, commit 0d6ea3ac94ca);
 * {@code o}/{@code O} needs a second character, {@code n N} for "on" and {@code f F} for "off".
 * Everything after the deciding characters is ignored ({@code yes-please} and {@code tomato} are
 * true); anything else, a missing value included, is -EINVAL.
 */
final class Kstrtobool {
    private Kstrtobool() {
    }

    static Optional<Boolean> parse(String s) {
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
