package org.dmasim.platform.mem;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.dmasim.testing.FieldLayout;
import org.junit.jupiter.api.Test;

/**
 * A page's cache entry keeps its words 128 bytes away from both ends of the object (two cache
 * lines: a line and the neighbour an adjacent-line prefetcher pulls with it), so that two
 * simulated CPUs locking and changing two pages never share a host cache line, wherever the
 * collector puts the entries. Measured on this JVM's layout, which could reorder fields or drop
 * the padding if the classes changed.
 */
class LinePageLayoutTest {
    private static final Set<String> WORDS =
        Set.of("pfn", "present", "dirty", "ramChanged", "data", "dead", "victimSlot", "locked");

    @Test
    void theWordsThatCpusWriteLieTwoLinesFromBothEndsOfTheEntry() {
        FieldLayout layout = FieldLayout.of(LinePage.class);
        assertTrue(layout.gapBefore(WORDS) >= 128, () -> "before: " + layout.slots());
        assertTrue(layout.gapAfter(WORDS) >= 128, () -> "after: " + layout.slots());
    }
}
