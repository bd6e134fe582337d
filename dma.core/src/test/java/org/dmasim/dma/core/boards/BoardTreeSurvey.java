package org.dmasim.dma.core.boards;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.dmasim.platform.profile.SpecBuilder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Boots every {@code .dtb} below {@code -Ddmasim.boards.dir=DIR} with the {@code arm64-board}
 * profile (or {@code -Ddmasim.boards.profile}), devices included, and classifies the outcome;
 * skipped without the property. A tree the boot refuses for want of RAM is booted again with the
 * {@code --mem} its message suggests. Writes one line per tree to
 * {@code -Ddmasim.boards.out} (default {@code target/board-trees.tsv}) and prints the counts.
 * {@code examples/boot-board-trees.sh} runs it (and fetches Debian's trees).
 */
class BoardTreeSurvey {
    private static final Pattern MEM_HINT = Pattern.compile("--mem (\\S+@0x[0-9a-f]+)");

    @Test
    void survey() throws IOException {
        String dir = System.getProperty("dmasim.boards.dir");
        Assumptions.assumeTrue(dir != null && Files.isDirectory(Path.of(dir)), "no -Ddmasim.boards.dir");
        List<Path> trees;
        try (Stream<Path> s = Files.walk(Path.of(dir))) {
            trees = s.filter(p -> p.toString().endsWith(".dtb")).sorted().toList();
        }
        Map<String, Integer> counts = new TreeMap<>();
        StringBuilder out = new StringBuilder("outcome\ttree\t--mem\tdetails\n");
        for (Path tree : trees) {
            Outcome o = classify(tree);
            counts.merge(o.outcome, 1, Integer::sum);
            if (o.moved) {
                counts.merge("(Image moved off RAM + 2 MiB)", 1, Integer::sum);
            }
            if (o.bootargs) {
                counts.merge("(command line from /chosen/bootargs)", 1, Integer::sum);
            }
            out.append(o.outcome).append('\t').append(Path.of(dir).relativize(tree)).append('\t')
                .append(o.mem == null ? "" : o.mem).append('\t').append(String.join(" | ", o.details)).append('\n');
        }
        Path report = Path.of(System.getProperty("dmasim.boards.out", "target/board-trees.tsv"));
        Files.writeString(report, out);
        System.out.println(trees.size() + " trees, report in " + report.toAbsolutePath());
        counts.forEach((k, v) -> System.out.printf("%6d  %s%n", v, k));
    }

    static final class Outcome {
        String outcome;
        String mem;
        boolean moved;
        boolean bootargs;
        final List<String> details = new ArrayList<>();
    }

    static Outcome classify(Path tree) {
        Outcome o = new Outcome();
        String failure = attempt(tree, null, true, o);
        if (failure != null && o.outcome.equals("refused")) {
            Matcher m = MEM_HINT.matcher(failure);
            if (m.find()) {
                o.mem = m.group(1);
                o.details.clear();
                attempt(tree, o.mem, true, o);
                o.outcome = "with --mem: " + o.outcome;
            }
        }
        if (o.outcome.endsWith("internal error")) {
            Outcome layout = new Outcome();
            attempt(tree, o.mem, false, layout);
            if (layout.outcome.startsWith("boots")) {
                o.outcome += " in device creation only";
            }
        }
        return o;
    }

    /** One boot; fills the outcome and returns the failure message, if any. */
    private static String attempt(Path tree, String mem, boolean devices, Outcome o) {
        Map<String, Object> c = new HashMap<>();
        c.put(PlatformConfig.PROFILE, System.getProperty("dmasim.boards.profile", "arm64-board"));
        c.put(PlatformConfig.DTB, tree.toString());
        if (mem != null) {
            c.put(PlatformConfig.MEM, mem);
        }
        try {
            BootResult r = devices ? Platforms.boot(SpecBuilder.build(c), new DmaCoreBoot())
                : Platforms.boot(SpecBuilder.build(c));
            if (!r.ok()) {
                o.outcome = "refused";
                o.details.add(r.failure().orElse(""));
                return r.failure().orElse("");
            }
            for (LogLine l : r.log().lines()) {
                String t = l.text().replace('\n', ' ');
                if (l.level() == LogLine.Level.DMASIM && t.startsWith("kernel Image at")) {
                    o.moved = !t.contains("where QEMU's loader puts it");
                } else if (l.level() == LogLine.Level.DMASIM && t.startsWith("command line from /chosen/bootargs")) {
                    o.bootargs = true;
                } else if (l.level() == LogLine.Level.WARNING || l.level() == LogLine.Level.ERR
                    || l.level() == LogLine.Level.DMASIM && !t.startsWith("command line from")) {
                    o.details.add(l.level() + " " + t);
                }
            }
            o.outcome = o.details.isEmpty() ? "boots" : "boots, with kernel errors or remarks";
            return null;
        } catch (InvalidInputException e) {
            o.outcome = "refused";
            o.details.add(e.getMessage());
            return e.getMessage();
        } catch (RuntimeException | Error e) {
            o.outcome = "internal error";
            o.details.add(e.toString());
            return e.toString();
        }
    }
}
