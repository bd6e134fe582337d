package org.dmasim.api.platform;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The boot log of one platform, in order. Thread-safe for appends. */
public final class BootLog {
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
