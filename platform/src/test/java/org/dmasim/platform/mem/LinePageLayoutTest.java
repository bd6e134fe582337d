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
        Set.of("pfn", "present", "dirty", "ramChanged", "data", "dead", "victimSlot", "lock");

    @Test
    void theWordsThatCpusWriteLieTwoLinesFromBothEndsOfTheEntry() {
        FieldLayout layout = FieldLayout.of(LinePage.class);
        assertTrue(layout.gapBefore(WORDS) >= 128, () -> "before: " + layout.slots());
        assertTrue(layout.gapAfter(WORDS) >= 128, () -> "after: " + layout.slots());
    }

    @Test
    void theLockIsAWordOfTheEntryAndWorksAsOne() throws Exception {
        LinePage p = new LinePage(7);
        p.lock();
        int[] got = new int[1];
        Thread other = new Thread(() -> {
            p.lock();
            got[0] = 1;
            p.unlock();
        });
        other.start();
        other.join(200);
        assertTrue(other.isAlive() && got[0] == 0, "a second thread must wait while the page is held");
        p.unlock();
        other.join(10_000);
        assertTrue(!other.isAlive() && got[0] == 1, "the second thread takes the page once it is given up");
    }
}
