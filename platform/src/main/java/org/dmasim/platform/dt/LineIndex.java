package org.dmasim.platform.dt;

import java.util.Arrays;

/** Maps char offsets of one source to 1-based line and column; a tab counts as one column. */
final class LineIndex {
    private final String source;
    private final int[] lineStarts;

    LineIndex(DtsSource src) {
        this.source = src.name();
        String text = src.text();
        int[] starts = new int[16];
        int n = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                }
                starts[n++] = i + 1;
            }
        }
        this.lineStarts = Arrays.copyOf(starts, n);
    }

    SourcePosition at(int offset) {
        int i = Arrays.binarySearch(lineStarts, offset);
        int line = i >= 0 ? i : -i - 2;
        return new SourcePosition(source, line + 1, offset - lineStarts[line] + 1);
    }
}
