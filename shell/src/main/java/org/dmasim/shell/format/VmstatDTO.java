package org.dmasim.shell.format;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code /proc/vmstat} counters dmasim models, and what page migration cost. */
public class VmstatDTO {
    public String platform;
    /** Counter name to value, in {@code /proc/vmstat} order. */
    public Map<String, Long> counters;
    public long blocksMigrated;
    public long bytesCopied;
    public long migrationNanos;

    public static VmstatDTO of(String platform, Map<String, Long> counters, long blocksMigrated, long bytesCopied,
        long migrationNanos) {
        VmstatDTO d = new VmstatDTO();
        d.platform = platform;
        d.counters = new LinkedHashMap<>(counters);
        d.blocksMigrated = blocksMigrated;
        d.bytesCopied = bytesCopied;
        d.migrationNanos = migrationNanos;
        return d;
    }
}
