package org.dmasim.cma;

import org.dmasim.api.boot.BootContext;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Memparse;

/**
 * {@code early_cma()}: {@code cma=nn[KMG][@start[KMG][-end[KMG]]]}, an {@code early_param} the
 * platform runs at {@code parse_early_param()} time for every {@code cma} of the command line,
 * in order, folding each into the state the kernel keeps in {@code size_cmdline},
 * {@code base_cmdline} and {@code limit_cmdline} for {@code dma_contiguous_reserve()} and
 * {@code rmem_cma_setup()}. The state is published on the boot blackboard. {@code @start}
 * alone means a fixed area at start ({@code limit = start + size}); {@code @start-end} a window;
 * a later {@code cma=} without {@code @} changes the size and keeps the earlier placement, as
 * the kernel's static variables do. A bare {@code cma} gets the kernel's
 * {@code cma: Config string not provided} and is reported malformed; {@code cma=} is size 0.
 * {@link #NOT_GIVEN} stands for the kernel's {@code size_cmdline == -1}.
 *
 * <p>Where dmasim is stricter than the kernel: memparse stops at the first character it does
 * not take and the kernel silently uses what it got ({@code cma=12Q} reserves 12 bytes, rounded
 * up to one pageblock), and a value beyond 64 bits silently wraps ({@code cma=16384P} is 0, no
 * area). dmasim refuses both, naming the parameter and the rule, because a simulator that
 * quietly turns a typo into a 2 MiB area, or into none, would hide the user's mistake.
 */
record CmaParams(boolean given, long size, long base, long limit) {
    private static final String FORMAT = "format: cma=nn[KMG][@start[KMG][-end[KMG]]]";
    private static final int EINVAL = 22;

    /** No {@code cma=} on the command line. */
    static final CmaParams NOT_GIVEN = new CmaParams(false, 0, 0, 0);

    /** What the command line's {@code cma} parameters left, {@link #NOT_GIVEN} without any. */
    static CmaParams of(BootContext ctx) {
        return ctx.get(CmaParams.class).orElse(NOT_GIVEN);
    }

    /** The {@code early_param("cma", early_cma)} handler: 0, or -EINVAL for a bare {@code cma}. */
    static int earlyCma(String value, BootContext ctx) {
        if (value == null) {
            ctx.log().err("cma: Config string not provided");
            return -EINVAL;
        }
        ctx.put(CmaParams.class, of(ctx).then(value));
        return 0;
    }

    /** This state after one more {@code early_cma(value)}. */
    CmaParams then(String v) {
        Memparse.Result size = v.isEmpty() ? new Memparse.Result(0, 0) : number(v, 0, "size");
        int at = size.end();
        if (at == v.length()) {
            return new CmaParams(true, size.value(), base, limit);
        }
        if (v.charAt(at) != '@') {
            throw garbage(v, at);
        }
        Memparse.Result start = number(v, at + 1, "start");
        at = start.end();
        if (at == v.length()) {
            return new CmaParams(true, size.value(), start.value(), start.value() + size.value());
        }
        if (v.charAt(at) != '-') {
            throw garbage(v, at);
        }
        Memparse.Result end = number(v, at + 1, "end");
        if (end.end() != v.length()) {
            throw garbage(v, end.end());
        }
        return new CmaParams(true, size.value(), start.value(), end.value());
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
