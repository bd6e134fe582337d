package org.dmasim.iommu.iova;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.dmasim.testing.FieldLayout;
import org.junit.jupiter.api.Test;

/**
 * A CPU's rcache lock and magazine pointers lie 128 bytes from both ends of the object, so that
 * CPUs allocating from their own caches write no host cache line another CPU reads.
 */
class IovaCpuRcacheLayoutTest {
    private static final Set<String> WORDS = Set.of("locked", "loadedSize", "loaded", "prev");

    @Test
    void theCpuCachesWordsLieTwoLinesFromBothEndsOfTheObject() {
        FieldLayout layout = FieldLayout.of(IovaCpuRcache.class);
        assertTrue(layout.gapBefore(WORDS) >= 128, () -> "before: " + layout.slots());
        assertTrue(layout.gapAfter(WORDS) >= 128, () -> "after: " + layout.slots());
    }
}
