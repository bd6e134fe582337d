package org.dmasim.platform.mem;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dmasim.api.mem.CacheEviction;

/**
 * Seeded random eviction ({@link CacheEviction}): each CPU line access evicts one cached line
 * with probability {@code rate}. Instead of a coin per access, the number of accesses until the
 * next eviction is drawn from the geometric distribution of that probability, so a 64 KiB copy
 * costs one draw per eviction, not one per line. The victim is a random line of a random page
 * with cached lines, so pages rather than lines are equally likely (a simplification: a real
 * cache picks a way of the set the new line maps to).
 *
 * <p>Lock order: a page's lock may be held when this object's is taken, never the reverse.
 */
final class Evictor {
    private final Random random;
    /** ln(1 - rate), for the geometric draw; 0 when every access evicts. */
    private final double logKeep;
    /** Line accesses left before the next eviction. */
    private long gap;
    private final List<LinePage> cached = new ArrayList<>();

    Evictor(CacheEviction eviction) {
        random = new Random(eviction.seed());
        logKeep = eviction.rate() >= 1 ? 0 : Math.log1p(-eviction.rate());
        gap = nextGap();
    }

    private long nextGap() {
        if (logKeep == 0) {
            return 0;
        }
        double u = 1 - random.nextDouble(); // (0, 1]
        return (long) Math.floor(Math.log(u) / logKeep);
    }

    /** How many evictions {@code accessed} more line accesses trigger. */
    synchronized int due(int accessed) {
        int evictions = 0;
        long left = accessed;
        while (left > gap) {
            left -= gap + 1;
            evictions++;
            gap = nextGap();
        }
        gap -= left;
        return evictions;
    }

    synchronized void add(LinePage p) {
        p.victimSlot = cached.size();
        cached.add(p);
    }

    synchronized void remove(LinePage p) {
        int slot = p.victimSlot;
        if (slot < 0) {
            return;
        }
        LinePage last = cached.remove(cached.size() - 1);
        if (last != p) {
            cached.set(slot, last);
            last.victimSlot = slot;
        }
        p.victimSlot = -1;
    }

    /** A random page with cached lines, or null. */
    synchronized LinePage pickPage() {
        return cached.isEmpty() ? null : cached.get(random.nextInt(cached.size()));
    }

    /** A random line among the set bits of {@code present} (not 0). */
    synchronized int pickLine(long present) {
        int k = random.nextInt(Long.bitCount(present));
        long bits = present;
        for (int i = 0; i < k; i++) {
            bits &= bits - 1;
        }
        return Long.numberOfTrailingZeros(bits);
    }
}
