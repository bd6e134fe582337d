package org.dmasim.shell.format;

import java.util.List;

/**
 * The result of one call, labelled with the call as the kernel's C reads it:
 * {@code dma_set_mask(dma-test-nc, 30) = -5}. {@link #value} is a number (rendered in hex when
 * {@link #hex}, as addresses, sizes, masks and pfns are; in decimal for return codes and
 * counts), a boolean, a string, or null for a call that returns nothing.
 */
public class ResultDTO {
    public String platform;
    /** The kernel function, e.g. {@code dma_set_mask}. */
    public String function;
    /** The arguments as the user gave them (or as the formatter renders the object they came from). */
    public List<String> args;
    public Object value;
    public boolean hex;
    /** What the kernel printed during the call (e.g. dma_pool_destroy's busy lines), before the result. */
    public List<String> printed = List.of();

    /** A call that returns a number. */
    public static ResultDTO number(String platform, String function, List<String> args, long value, boolean hex) {
        ResultDTO r = of(platform, function, args, value);
        r.hex = hex;
        return r;
    }

    /** A call that returns {@code value} (a string, a boolean, or null for none). */
    public static ResultDTO of(String platform, String function, List<String> args, Object value) {
        ResultDTO r = new ResultDTO();
        r.platform = platform;
        r.function = function;
        r.args = List.copyOf(args);
        r.value = value;
        return r;
    }

    /** This result with the lines the kernel printed during the call. */
    public ResultDTO printed(List<String> lines) {
        printed = List.copyOf(lines);
        return this;
    }

    /** The value as a long (for scripts that compute with it). */
    public long longValue() {
        return value instanceof Number n ? n.longValue() : 0;
    }

    @Override
    public String toString() {
        return ShellFormatter.format(this);
    }
}
