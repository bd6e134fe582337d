package org.dmasim.shell.format;

import java.util.List;
import org.dmasim.api.swiotlb.SwiotlbStats;

/**
 * The swiotlb pools of a platform as {@code swiotlb:pools} shows them: the default pool, then each
 * restricted pool set up so far, each with its areas (slots in use, cursor) and what each device
 * bounced through it.
 */
public class SwiotlbDTO {
    /** One pool and what the kernel keeps for it. */
    public record Pool(SwiotlbStats stats, long end, int nareas, boolean forceBounce) {
    }

    public String platform;
    /** The swiotlb instance serving, e.g. swiotlb#1. */
    public String instance;
    public List<Pool> pools;

    @Override
    public String toString() {
        return ShellFormatter.format(this);
    }
}
