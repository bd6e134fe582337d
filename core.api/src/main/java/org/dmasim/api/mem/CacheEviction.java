package org.dmasim.api.mem;

import java.util.Locale;

/**
 * How the simulated CPU data cache gives lines back on its own. Real caches evict lines when
 * other addresses need their sets; when that happens decides whether a driver's missing
 * {@code dma_sync_*} call shows up: a dirty line evicted before the device reads RAM hides a
 * missing clean, a clean line evicted before the CPU reads again hides a missing invalidate.
 *
 * <p>{@link #NONE} (the default) never evicts: every line stays until cache maintenance removes
 * it, the deterministic worst case in which every missing sync shows. With a rate, each CPU
 * access to a cache line evicts, with probability {@code rate}, one line chosen at random among
 * all cached lines (written back first when dirty); the random sequence comes from {@code seed},
 * so a single-threaded run is repeatable.
 *
 * <p>Written {@code none} or {@code seed=N,rate=R} (profile key and platform configuration key
 * {@code cache.evict}, launcher option {@code --cache-evict}).
 *
 * @param seed the seed of the eviction's random sequence
 * @param rate probability, from 0 to 1, that one CPU line access evicts a line; 0 never evicts
 */
public record CacheEviction(long seed, double rate) {
    /** No eviction: lines leave the cache only through cache maintenance. */
    public static final CacheEviction NONE = new CacheEviction(0, 0);

    private static final String EXPECTED = "expected none or seed=N,rate=R (N a whole number, R from 0 to 1,"
        + " e.g. seed=1,rate=0.01)";

    public CacheEviction {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("cache eviction rate " + rate + ": " + EXPECTED);
        }
    }

    /** Whether lines are ever evicted. */
    public boolean enabled() {
        return rate > 0;
    }

    /**
     * Reads {@code none} or {@code seed=N,rate=R} (the two keys in either order, spaces allowed).
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static CacheEviction parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.equalsIgnoreCase("none")) {
            return NONE;
        }
        Long seed = null;
        Double rate = null;
        for (String part : t.split(",", -1)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part.strip() : part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : part.substring(eq + 1).strip();
            try {
                if (key.equals("seed") && seed == null) {
                    seed = Long.decode(value);
                    continue;
                }
                if (key.equals("rate") && rate == null) {
                    rate = Double.parseDouble(value);
                    if (!(rate >= 0 && rate <= 1) || value.endsWith("d") || value.endsWith("f")) {
                        throw new NumberFormatException();
                    }
                    continue;
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': " + key + " '" + value + "' is not valid ("
                    + EXPECTED + ")");
            }
            throw new IllegalArgumentException("'" + text + "': " + EXPECTED);
        }
        if (seed == null || rate == null) {
            throw new IllegalArgumentException("'" + text + "': " + EXPECTED);
        }
        return new CacheEviction(seed, rate);
    }

    /** {@code none} or {@code seed=N,rate=R}, as {@link #parse} reads it. */
    @Override
    public String toString() {
        return enabled() ? "seed=" + seed + ",rate=" + rate : "none";
    }
}
