package org.dmasim.cma;

import java.util.Optional;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.Memparse;

/**
 * {@code early_cma()}: {@code cma=nn[KMG][@start[KMG][-end[KMG]]]}. {@code @start} alone means a
 * fixed area at start ({@code limit = start + size}); {@code @start-end} a window.
 *
 * <p>The kernel stops at the first character memparse does not take and silently uses what it
 * got ({@code cma=12Q} reserves 12 bytes, rounded up to one pageblock). dmasim refuses such
 * values instead, naming the character, because a simulator that quietly changes a typo into a
 * 2 MiB area would hide the user's mistake.
 */
record CmaCmdline(long size, long base, long limit) {
    static Optional<CmaCmdline> parse(KernelCmdline cmdline) {
        Optional<KernelCmdline.Param> p = cmdline.last("cma");
        if (p.isEmpty()) {
            return Optional.empty();
        }
        String v = p.get().value();
        if (v == null || v.isEmpty()) {
            throw new InvalidInputException("cma: Config string not provided (cma= needs a size, e.g. cma=64M)");
        }
        Memparse.Result size = number(v, 0, "size");
        int at = size.end();
        if (at == v.length()) {
            return Optional.of(new CmaCmdline(size.value(), 0, 0));
        }
        if (v.charAt(at) != '@') {
            throw garbage(v, at);
        }
        Memparse.Result base = number(v, at + 1, "start");
        at = base.end();
        if (at == v.length()) {
            return Optional.of(new CmaCmdline(size.value(), base.value(), base.value() + size.value()));
        }
        if (v.charAt(at) != '-') {
            throw garbage(v, at);
        }
        Memparse.Result limit = number(v, at + 1, "end");
        if (limit.end() != v.length()) {
            throw garbage(v, limit.end());
        }
        return Optional.of(new CmaCmdline(size.value(), base.value(), limit.value()));
    }

    private static Memparse.Result number(String v, int from, String what) {
        if (from >= v.length() || Character.digit(v.charAt(from), 10) < 0) {
            throw new InvalidInputException("cma=" + v + ": expected a " + what + " at '" + v.substring(Math.min(from, v.length()))
                + "' (format: cma=nn[KMG][@start[KMG][-end[KMG]]])");
        }
        return Memparse.parse(v, from);
    }

    private static InvalidInputException garbage(String v, int at) {
        return new InvalidInputException("cma=" + v + ": invalid size: memparse stops at '" + v.substring(at)
            + "' (format: cma=nn[KMG][@start[KMG][-end[KMG]]]; suffixes K M G T P E)");
    }

    boolean fixed() {
        return base + size == limit;
    }
}
