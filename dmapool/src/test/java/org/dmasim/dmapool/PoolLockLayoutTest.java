package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.dmasim.testing.FieldLayout;
import org.junit.jupiter.api.Test;

/**
 * A pool's lock and hot words lie 128 bytes from both ends of the object, so two pools used by two
 * simulated CPUs never share a host cache line: measured on this JVM's layout.
 */
class PoolLockLayoutTest {
    @Test
    void theLockAndHotWordsLieTwoLinesFromBothEnds() {
        Set<String> words = Set.of("locked", "head", "lastFound", "active");
        FieldLayout layout = FieldLayout.of(PoolLock.class);
        assertTrue(layout.gapBefore(words) >= 128, () -> "before: " + layout.slots());
        assertTrue(layout.gapAfter(words) >= 128, () -> "after: " + layout.slots());
    }
}
