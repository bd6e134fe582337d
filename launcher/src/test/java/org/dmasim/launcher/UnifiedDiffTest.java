package org.dmasim.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** diff -u's output for short line lists: hunks, their headers and three lines of context. */
class UnifiedDiffTest {
    @Test
    void equalListsGiveNoDiff() {
        assertEquals(List.of(), UnifiedDiff.render(List.of("a", "b"), List.of("a", "b"), "old", "new"));
    }

    @Test
    void aChangeInTheMiddleHasThreeLinesOfContextEachSide() {
        List<String> a = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9");
        List<String> b = List.of("1", "2", "3", "4", "five", "6", "7", "8", "9");
        assertEquals(List.of("--- old", "+++ new", "@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8"),
            UnifiedDiff.render(a, b, "old", "new"));
    }

    @Test
    void changesFarApartAreTwoHunks() {
        List<String> a = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            a.add(Integer.toString(i));
        }
        List<String> b = new ArrayList<>(a);
        b.add(0, "new first");
        b.set(b.size() - 1, "twelve");
        assertEquals(List.of("--- o", "+++ n", "@@ -1,3 +1,4 @@", "+new first", " 1", " 2", " 3",
            "@@ -9,4 +10,4 @@", " 9", " 10", " 11", "-12", "+twelve"), UnifiedDiff.render(a, b, "o", "n"));
    }

    @Test
    void closeChangesShareOneHunk() {
        List<String> a = List.of("a", "b", "c", "d", "e", "f");
        List<String> b = List.of("A", "b", "c", "d", "e", "F");
        assertEquals(List.of("--- o", "+++ n", "@@ -1,6 +1,6 @@", "-a", "+A", " b", " c", " d", " e", "-f", "+F"),
            UnifiedDiff.render(a, b, "o", "n"));
    }
}
