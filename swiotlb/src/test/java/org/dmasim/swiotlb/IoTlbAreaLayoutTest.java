package org.dmasim.swiotlb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.dmasim.testing.FieldLayout;
import org.junit.jupiter.api.Test;

/**
 * An area's cursor, count and lock lie 128 bytes away from both ends of the object (the kernel's
 * {@code ____cacheline_aligned_in_smp}, widened to a pair of lines), so that a CPU taking slots in
 * its own area writes no host cache line another CPU reads for its area: measured on this JVM's
 * layout.
 */
class IoTlbAreaLayoutTest {
    private static final Set<String> WORDS = Set.of("used", "index", "locked");

    @Test
    void theAreasWordsLieTwoLinesFromBothEndsOfTheObject() {
        FieldLayout layout = FieldLayout.of(IoTlbArea.class);
        assertTrue(layout.gapBefore(WORDS) >= 128, () -> "before: " + layout.slots());
        assertTrue(layout.gapAfter(WORDS) >= 128, () -> "after: " + layout.slots());
    }
}
