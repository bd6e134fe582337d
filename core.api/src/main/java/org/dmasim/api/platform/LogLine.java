package org.dmasim.api.platform;

/**
 * One line of the simulated kernel log, or a dmasim diagnostic. {@code text} is the line
 * exactly as the kernel prints it after the timestamp, {@code pr_fmt} prefix included.
 */
public record LogLine(Level level, String text) {
    /** printk levels, plus DMASIM for the simulator's own remarks (never kernel output). */
    public enum Level {
        EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG, DMASIM
    }

    public boolean isKernel() {
        return level != Level.DMASIM;
    }

    @Override
    public String toString() {
        return text;
    }
}
