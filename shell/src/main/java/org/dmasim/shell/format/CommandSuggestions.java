package org.dmasim.shell.format;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The commands a mistyped name probably meant: the known names at the smallest edit distance. */
public final class CommandSuggestions {
    private CommandSuggestions() {
    }

    /**
     * The known command names closest to {@code typed} (compared with and without scope): the
     * ones at the smallest edit distance, at most three, if that distance is within a limit that
     * grows with the name's length.
     */
    public static List<String> suggestions(String typed, Collection<String> qualifiedNames) {
        String t = typed.toLowerCase(Locale.ROOT);
        boolean scoped = t.indexOf(':') >= 0;
        int limit = Math.max(1, t.length() / 3);
        record Scored(String name, int distance) {
        }
        List<Scored> scored = new ArrayList<>();
        for (String q : qualifiedNames) {
            String bare = q.substring(q.indexOf(':') + 1);
            int d = scoped ? distance(t, q) : Math.min(distance(t, bare), distance(t, q));
            if (!(q.startsWith("dmasim:__") || q.startsWith("gogo:__")) && d <= limit) {
                scored.add(new Scored(q, d));
            }
        }
        int best = scored.stream().mapToInt(Scored::distance).min().orElse(0);
        return scored.stream().filter(s -> s.distance() == best).map(Scored::name).sorted().limit(3)
            .collect(Collectors.toList());
    }

    /** {@code " (did you mean a or b?)"}, or "" when nothing is close. */
    public static String didYouMean(String typed, Collection<String> qualifiedNames) {
        List<String> s = suggestions(typed, qualifiedNames);
        return s.isEmpty() ? "" : " (did you mean " + String.join(" or ", s) + "?)";
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

}
