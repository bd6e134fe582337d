package org.dmasim.shell.format;

import java.util.Map;
import java.util.TreeMap;

/**
 * A debugfs directory as {@code grep . DIR/*} shows it: each file's path under {@link #root}
 * and its content ({@code /sys/kernel/debug/cma}, {@code /sys/kernel/debug/dma_pools}).
 */
public class DebugfsDTO {
    public String platform;
    public String root;
    /** File path relative to {@link #root} (e.g. {@code reserved/used}) to its content, sorted by path. */
    public Map<String, String> files;

    public static DebugfsDTO of(String platform, String root, Map<String, String> files) {
        DebugfsDTO d = new DebugfsDTO();
        d.platform = platform;
        d.root = root;
        d.files = new TreeMap<>(files);
        return d;
    }
}
