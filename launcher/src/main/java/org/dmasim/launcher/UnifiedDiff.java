package org.dmasim.launcher;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two short line lists (boot logs' key lines: tens of lines), as
 * {@code diff -u} prints it: a longest common subsequence, then hunks with three lines of
 * context, each headed {@code @@ -start,count +start,count @@}.
 */
final class UnifiedDiff {
    static final int CONTEXT = 3;

    /** One line of the edit script: ' ' in both, '-' only in the old list, '+' only in the new one. */
    record Edit(char op, String line) {
        @Override
        public String toString() {
            return op + line;
        }
    }

    private UnifiedDiff() {
    }

    /** The edit script turning {@code a} into {@code b}: deletions before insertions at each change. */
    static List<Edit> edits(List<String> a, List<String> b) {
        int n = a.size();
        int m = b.size();
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<Edit> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a.get(i).equals(b.get(j))) {
                out.add(new Edit(' ', a.get(i++)));
                j++;
            } else if (j >= m || i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
                out.add(new Edit('-', a.get(i++)));
            } else {
                out.add(new Edit('+', b.get(j++)));
            }
        }
        return out;
    }

    /** {@code diff -u}: the two headers, then every hunk; empty when the lists are equal. */
    static List<String> render(List<String> a, List<String> b, String oldName, String newName) {
        List<Edit> edits = edits(a, b);
        List<String> out = new ArrayList<>();
        int k = 0;
        while (k < edits.size()) {
            if (edits.get(k).op() == ' ') {
                k++;
                continue;
            }
            // a hunk: from CONTEXT lines before this change to CONTEXT lines after the last change
            // that is at most 2 * CONTEXT unchanged lines away from the previous one
            int start = Math.max(0, k - CONTEXT);
            int end = k;
            int last = k;
            while (end < edits.size()) {
                if (edits.get(end).op() != ' ') {
                    last = end;
                } else if (end - last > 2 * CONTEXT) {
                    break;
                }
                end++;
            }
            end = Math.min(edits.size(), last + 1 + CONTEXT);
            if (out.isEmpty()) {
                out.add("--- " + oldName);
                out.add("+++ " + newName);
            }
            out.add(header(edits, start, end));
            for (int e = start; e < end; e++) {
                out.add(edits.get(e).toString());
            }
            k = end;
        }
        return out;
    }

    /** {@code @@ -l,s +l,s @@} of the hunk [start, end) of the edit script. */
    private static String header(List<Edit> edits, int start, int end) {
        int oldLine = 1;
        int newLine = 1;
        for (int e = 0; e < start; e++) {
            oldLine += edits.get(e).op() != '+' ? 1 : 0;
            newLine += edits.get(e).op() != '-' ? 1 : 0;
        }
        int oldCount = 0;
        int newCount = 0;
        for (int e = start; e < end; e++) {
            oldCount += edits.get(e).op() != '+' ? 1 : 0;
            newCount += edits.get(e).op() != '-' ? 1 : 0;
        }
        return "@@ -" + range(oldLine, oldCount) + " +" + range(newLine, newCount) + " @@";
    }

    /** diff's range: {@code start,count}, just {@code start} for one line, {@code start-1,0} for none. */
    private static String range(int start, int count) {
        if (count == 1) {
            return Integer.toString(start);
        }
        return (count == 0 ? start - 1 : start) + "," + count;
    }
}
