package org.dmasim.cma;

import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.Memparse;

/**
 * {@code early_cma()}: {@code cma=nn[KMG][@start[KMG][-end[KMG]]]}, parsed once per boot and
 * published on the boot blackboard, as the kernel keeps {@code size_cmdline},
 * {@code base_cmdline} and {@code limit_cmdline} for {@code dma_contiguous_reserve()} and
 * {@code rmem_cma_setup()}. {@code @start} alone means a fixed area at start
 * ({@code limit = start + size}); {@code @start-end} a window. {@link #NOT_GIVEN} stands for
 * the kernel's {@code size_cmdline == -1}.
 *
 * <p>Where dmasim is stricter than the kernel: memparse stops at the first character it does
 * not take and the kernel silently uses what it got ({@code cma=12Q} reserves 12 bytes, rounded
 * up to one pageblock), and a value beyond 64 bits silently wraps ({@code cma=16384P} is 0, no
 * area). dmasim refuses both, naming the parameter and the rule, because a simulator that
 * quietly turns a typo into a 2 MiB area, or into none, would hide the user's mistake.
 */
record CmaParams(boolean given, long size, long base, long limit) {
    private static final String FORMAT = "format: cma=nn[KMG][@start[KMG][-end[KMG]]]";

    /** No {@code cma=} on the command line. */
    static final CmaParams NOT_GIVEN = new CmaParams(false, 0, 0, 0);

    /** The last {@code cma=} of the command line (each early_cma call overwrites the previous). */
    static CmaParams parse(KernelCmdline cmdline) {
        var p = cmdline.last("cma");
        if (p.isEmpty()) {
            return NOT_GIVEN;
        }
        String v = p.get().value();
        if (v == null || v.isEmpty()) {
            throw new InvalidInputException("cma: Config string not provided (cma= needs a size, e.g. cma=64M)");
        }
        Memparse.Result size = number(v, 0, "size");
        int at = size.end();
        if (at == v.length()) {
            return new CmaParams(true, size.value(), 0, 0);
        }
        if (v.charAt(at) != '@') {
            throw garbage(v, at);
        }
        Memparse.Result base = number(v, at + 1, "start");
        at = base.end();
        if (at == v.length()) {
            return new CmaParams(true, size.value(), base.value(), base.value() + size.value());
        }
        if (v.charAt(at) != '-') {
            throw garbage(v, at);
        }
        Memparse.Result limit = number(v, at + 1, "end");
        if (limit.end() != v.length()) {
            throw garbage(v, limit.end());
        }
        return new CmaParams(true, size.value(), base.value(), limit.value());
    }

    private static Memparse.Result number(String v, int from, String what) {
        if (from >= v.length() || Character.digit(v.charAt(from), 10) < 0) {
            throw new InvalidInputException("cma=" + v + ": expected a " + what + " at '"
                + v.substring(Math.min(from, v.length())) + "' (" + FORMAT + ")");
        }
        try {
            return Memparse.parse(v, from);
        } catch (InvalidInputException overflow) {
            throw new InvalidInputException("cma=" + v + ": the " + what + " " + overflow.getMessage(), overflow);
        }
    }

    private static InvalidInputException garbage(String v, int at) {
        return new InvalidInputException("cma=" + v + ": invalid size: memparse stops at '" + v.substring(at)
            + "' (" + FORMAT + "; suffixes K M G T P E)");
    }

    /** {@code @start} without {@code -end}: the area must sit exactly there. */
    boolean fixed() {
        return base + size == limit;
    }
}
