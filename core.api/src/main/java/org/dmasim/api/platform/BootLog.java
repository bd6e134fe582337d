package org.dmasim.api.platform;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The boot log of one platform, in order. Thread-safe for appends. */
public final class BootLog {
    /** Line starts that make a kernel line one of the {@link #keyLines() key lines}. */
    private static final String[] KEY_PREFIXES = {"Initmem setup node ", "Built ", "cma: ", "Reserved memory: ",
        "OF: reserved mem: ", "software IO TLB: ", "DMA: preallocated ", "DMA: failed to allocate ",
        "iommu: Default domain type: ", "iommu: DMA domain TLB invalidation policy: "};

    private final List<LogLine> lines = Collections.synchronizedList(new ArrayList<>());

    public void add(LogLine.Level level, String text) {
        lines.add(new LogLine(level, text));
    }

    public void info(String text) {
        add(LogLine.Level.INFO, text);
    }

    public void notice(String text) {
        add(LogLine.Level.NOTICE, text);
    }

    public void warn(String text) {
        add(LogLine.Level.WARNING, text);
    }

    public void err(String text) {
        add(LogLine.Level.ERR, text);
    }

    public void dmasim(String text) {
        add(LogLine.Level.DMASIM, text);
    }

    public List<LogLine> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The key lines of this log's kernel lines ({@link #keyLines(List)}). */
    public List<String> keyLines() {
        return keyLines(kernelText());
    }

    /**
     * The key lines of a kernel log: what describes DMA memory, in boot order, as the project's
     * real-kernel acceptance data selects them. The {@code Zone ranges:} block with its indented
     * zone lines, {@code Movable zone start for each node} with its {@code   Node N:} lines,
     * {@code Early memory node ranges} with its {@code   node N:} lines, and every line starting
     * with {@code Initmem setup node}, {@code Built N zonelists}, {@code cma: },
     * {@code Reserved memory: }, {@code OF: reserved mem: }, {@code software IO TLB: },
     * {@code DMA: preallocated }, {@code DMA: failed to allocate } or one of the two
     * {@code iommu:} default-domain lines.
     */
    public static List<String> keyLines(List<String> kernelText) {
        List<String> out = new ArrayList<>();
        String block = null;
        for (String line : kernelText) {
            if (line.equals("Zone ranges:") || line.equals("Movable zone start for each node")
                || line.equals("Early memory node ranges")) {
                out.add(line);
                block = line;
                continue;
            }
            if (block != null && line.startsWith("  ")) {
                boolean take = block.equals("Zone ranges:") || block.startsWith("Movable") && line.startsWith("  Node ")
                    || block.startsWith("Early") && line.startsWith("  node ");
                if (take) {
                    out.add(line);
                    continue;
                }
            }
            block = null;
            for (String p : KEY_PREFIXES) {
                if (line.startsWith(p) && (!p.equals("Built ") || line.matches("Built \\d+ zonelists.*"))) {
                    out.add(line);
                    break;
                }
            }
        }
        return out;
    }

    /** The kernel lines only, as text. */
    public List<String> kernelText() {
        List<String> out = new ArrayList<>();
        for (LogLine l : lines()) {
            if (l.isKernel()) {
                out.add(l.text());
            }
        }
        return out;
    }
}
