package org.dmasim.shell.format;

import java.util.List;
import org.dmasim.api.mem.CacheLine;
import org.dmasim.api.mem.CacheStats;

/** The CPU data cache of a platform: its counters, and optionally the lines of one range. */
public class CpuCacheDTO {
    public String platform;
    public int lineSize;
    /** {@code none} or {@code seed=N,rate=R}. */
    public String eviction;
    public CacheStats stats;
    /** The lines of the range asked for, with the kernel virtual address each was asked by. */
    public List<Line> lines = List.of();

    /** One line: the address it was asked by and its state. */
    public record Line(long kva, CacheLine line) {
    }

    public static CpuCacheDTO of(String platform, int lineSize, String eviction, CacheStats stats, List<Line> lines) {
        CpuCacheDTO d = new CpuCacheDTO();
        d.platform = platform;
        d.lineSize = lineSize;
        d.eviction = eviction;
        d.stats = stats;
        d.lines = List.copyOf(lines);
        return d;
    }
}
