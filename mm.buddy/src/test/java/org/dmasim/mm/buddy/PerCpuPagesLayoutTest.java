package org.dmasim.mm.buddy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.dmasim.testing.FieldLayout;
import org.junit.jupiter.api.Test;

/**
 * A pageset's lock and counters lie 128 bytes from both ends of the object, so two simulated CPUs
 * allocating from their own pagesets write no host cache line the other reads: measured on this
 * JVM's layout.
 */
class PerCpuPagesLayoutTest {
    @Test
    void theLockAndCountersLieTwoLinesFromBothEnds() {
        Set<String> words = Set.of("locked", "count", "high", "batch", "freeFactor", "numaHit");
        FieldLayout layout = FieldLayout.of(PerCpuPages.class);
        assertTrue(layout.gapBefore(words) >= 128, () -> "before: " + layout.slots());
        assertTrue(layout.gapAfter(words) >= 128, () -> "after: " + layout.slots());
    }
}
