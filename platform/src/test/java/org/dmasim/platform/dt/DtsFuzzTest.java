package org.dmasim.platform.dt;

import java.util.Random;

import org.dmasim.api.dt.DeviceTreeException;
import org.junit.jupiter.api.Test;

/** Mangled DTS text may only ever give a DeviceTreeException or a tree, never another exception. */
class DtsFuzzTest {
    private static final String ALPHABET = "/{}<>[]();,=&:\"'\\#@*+-!~?0x1aZ_ \n\t";

    @Test
    void everyTruncationGivesAnErrorOrATree() {
        String text = Fixtures.text("features.dts");
        for (int len = 0; len < text.length(); len++) {
            parseOrReject(text.substring(0, len), "truncated to " + len);
        }
    }

    @Test
    void randomEdits() {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("DtsFuzzTest.randomEdits seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        Random random = new Random(seed);
        String[] sources = {Fixtures.text("features.dts"), Fixtures.text("merge.dts")};
        for (int i = 0; i < 3000; i++) {
            StringBuilder s = new StringBuilder(sources[i % sources.length]);
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(s.length());
                char c = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
                switch (random.nextInt(3)) {
                    case 0 -> s.setCharAt(at, c);
                    case 1 -> s.insert(at, c);
                    default -> s.deleteCharAt(at);
                }
            }
            parseOrReject(s.toString(), "seed " + seed + ", iteration " + i);
        }
    }

    private static void parseOrReject(String text, String what) {
        try {
            DtsParser.parse(text, "fuzz.dts", Fixtures.resolver());
        } catch (DeviceTreeException expected) {
            // fine: a clear error
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError(what + ": " + e + "\n--- input ---\n" + text, e);
        }
    }
}
