package org.dmasim.api.platform;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Linux a platform runs: a {@code major.minor} release such as {@code 6.1} or {@code 6.12}.
 * This is only the name; what differs between versions lives with each subsystem, in a small
 * rules object the subsystem picks by this value (and the Kconfig defaults, {@link Kconfig}).
 * Which versions dmasim models, and which one a platform runs unless it names one, is
 * {@link Kconfig#kernels()} and {@link Kconfig#defaultKernel()}: a version is modelled when its
 * Kconfig defaults ship.
 *
 * @param major e.g. 6
 * @param minor e.g. 12
 */
public record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {
    private static final Pattern SYNTAX = Pattern.compile("(?:linux[- ]?)?v?(\\d{1,3})\\.(\\d{1,3})", Pattern.CASE_INSENSITIVE);

    public KernelVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("kernel version " + major + "." + minor + ": negative");
        }
    }

    /**
     * {@code 6.12}, also {@code v6.12} or {@code Linux 6.12}. Only the syntax is checked here;
     * {@link Kconfig#defaults(Arch, KernelVersion)} refuses a version dmasim does not model.
     *
     * @throws InvalidInputException naming the text when it is not MAJOR.MINOR
     */
    public static KernelVersion parse(String text) {
        Matcher m = SYNTAX.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new InvalidInputException("kernel '" + text + "': expected a version MAJOR.MINOR such as 6.1 or 6.12");
        }
        return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    @Override
    public int compareTo(KernelVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    /** {@code 6.12}. */
    @Override
    public String toString() {
        return major + "." + minor;
    }
}
