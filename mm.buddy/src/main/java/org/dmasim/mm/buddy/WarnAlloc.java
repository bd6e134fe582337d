package org.dmasim.mm.buddy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.ZoneType;

/**
 * What the allocator says when a request fails: {@code warn_alloc()}'s first line, the one-time
 * {@code WARN_ON_ONCE_GFP(order >= MAX_ORDER)} splat of {@code __alloc_pages()} (6.12:
 * {@code order > MAX_PAGE_ORDER}), and the
 * watermark setup's notice. The {@code show_mem()} dump that follows warn_alloc's line in the
 * kernel is not reproduced, nor its rate limit (10 s, burst 1): a simulator has no meaningful
 * clock, so every failure is reported.
 *
 * <p>Lines are kept (oldest first) and forwarded to a sink as they happen; the sink is called
 * outside this object's lock, so a sink may take its own locks freely.
 */
final class WarnAlloc {
    private final Zone[] zones;
    private final BuddyOptions options;
    private final List<String> lines = new ArrayList<>();
    private volatile Consumer<String> sink;
    /** WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp): fired already. */
    private boolean warnedMaxOrder;

    WarnAlloc(Zone[] zones, BuddyOptions options) {
        this.zones = zones;
        this.options = options;
        this.sink = options.warningSink();
    }

    /**
     * {@code warn_alloc(gfp, NULL, "page allocation failure: order:%u", order)}: the first line
     * as 6.1 prints it with CONFIG_CPUSETS ({@code cpuset_print_current_mems_allowed} adds the
     * cpuset and mems_allowed parts). Skipped for __GFP_NOWARN, and for __GFP_DMA when no DMA
     * zone has managed pages ({@code has_managed_dma()}).
     */
    void allocFailure(int gfp, int order) {
        if ((gfp & Gfp.__GFP_NOWARN) != 0) {
            return;
        }
        if ((gfp & Gfp.__GFP_DMA) != 0 && !hasManagedDma()) {
            return;
        }
        String mode = gfp == 0 ? "0" : "0x" + Integer.toHexString(gfp);
        warn(String.format("%s: page allocation failure: order:%d, mode:%s(%s), nodemask=(null),cpuset=/,"
            + "mems_allowed=%d", options.comm(), order, mode, options.kernel().formatGfp(gfp), options.nodeId()));
    }

    /** {@code has_managed_dma()}: false without CONFIG_ZONE_DMA. */
    private boolean hasManagedDma() {
        for (Zone z : zones) {
            if (z.type == ZoneType.DMA && z.managed > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code WARN_ON_ONCE_GFP(order >= MAX_ORDER, gfp)} in {@code __alloc_pages()}: a one-time
     * WARNING splat (not warn_alloc), suppressed by __GFP_NOWARN. Its first line names the
     * simulated CPU; the kernel's source line number and code offsets are not reproduced.
     */
    void maxOrder(int gfp, int cpu) {
        if ((gfp & Gfp.__GFP_NOWARN) != 0) {
            return;
        }
        synchronized (this) {
            if (warnedMaxOrder) {
                return;
            }
            warnedMaxOrder = true;
        }
        warn(String.format("WARNING: CPU: %d PID: 0 at mm/page_alloc.c __alloc_pages", cpu));
    }

    void warn(String line) {
        synchronized (this) {
            lines.add(line);
        }
        Consumer<String> s = sink;
        if (s != null) {
            s.accept(line);
        }
    }

    void setSink(Consumer<String> sink) {
        this.sink = sink;
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    synchronized List<String> drain() {
        List<String> out = List.copyOf(lines);
        lines.clear();
        return out;
    }
}
