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
    private static final Set<String> WORDS = Set.of("used", "index", "lock");

    @Test
    void theAreasWordsLieTwoLinesFromBothEndsOfTheObject() {
        FieldLayout layout = FieldLayout.of(IoTlbArea.class);
        assertTrue(layout.gapBefore(WORDS) >= 128, () -> "before: " + layout.slots());
        assertTrue(layout.gapAfter(WORDS) >= 128, () -> "after: " + layout.slots());
    }

    @Test
    void aSecondCpuWaitsForTheAreaLock() throws Exception {
        IoTlbArea a = new IoTlbArea();
        a.lock();
        int[] got = new int[1];
        Thread other = new Thread(() -> {
            a.lock();
            got[0] = 1;
            a.unlock();
        });
        other.start();
        other.join(200);
        assertTrue(other.isAlive() && got[0] == 0, "a second thread must wait while the area is held");
        a.unlock();
        other.join(10_000);
        assertTrue(!other.isAlive() && got[0] == 1, "the second thread takes the area once it is given up");
    }
}
