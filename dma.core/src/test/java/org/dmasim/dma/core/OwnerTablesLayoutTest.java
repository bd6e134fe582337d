package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.dmasim.testing.FieldLayout;
import org.junit.jupiter.api.Test;

/**
 * The words a mapping thread writes on every map and unmap (its tables' counts and arrays, the
 * front slot) lie 128 bytes from both ends of their objects, so that two threads mapping for one
 * device write no host cache line the other reads on its own calls (its shard record, wherever
 * the collector puts it): measured on this JVM's layout.
 */
class OwnerTablesLayoutTest {
    @Test
    void theFrontSlotAndTheDirectTablesWordsLieTwoLinesFromBothEnds() {
        Set<String> words = Set.of("ctrl", "dma", "phys", "size", "sharedWord", "busy", "cells", "used", "stamps");
        FieldLayout layout = FieldLayout.of(DirectSingleTable.class);
        assertTrue(layout.gapBefore(words) >= 128, () -> "before: " + layout.slots());
        assertTrue(layout.gapAfter(words) >= 128, () -> "after: " + layout.slots());
    }

    @Test
    void theMappingTablesWordsLieTwoLinesFromBothEnds() {
        Set<String> words = Set.of("slots", "used");
        FieldLayout layout = FieldLayout.of(MappingTable.class);
        assertTrue(layout.gapBefore(words) >= 128, () -> "before: " + layout.slots());
        assertTrue(layout.gapAfter(words) >= 128, () -> "after: " + layout.slots());
    }
}
