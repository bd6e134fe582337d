package org.dmasim.platform.iommu;

import java.util.Optional;

/**
 * {@code kstrtobool()} of Linux 6.1 (lib/kstrtox.c): the first character decides, {@code y Y 1}
 * true and {@code n N 0} false; {@code o}/{@code O} needs a second character, {@code n N} for
 * "on" and {@code f F} for "off". Everything after the deciding characters is ignored
 * ({@code yes-please} is true); anything else, a missing value included, is -EINVAL.
 * ({@code t}/{@code f} and "true"/"false" are not accepted in 6.1.)
 */
final class Kstrtobool {
    private Kstrtobool() {
    }

    static Optional<Boolean> parse(String s) {
        if (s == null || s.isEmpty()) {
            return Optional.empty();
        }
        switch (s.charAt(0)) {
            case 'y', 'Y', '1':
                return Optional.of(true);
            case 'n', 'N', '0':
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
