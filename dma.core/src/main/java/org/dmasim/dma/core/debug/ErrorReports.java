package org.dmasim.dma.core.debug;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.platform.BootLog;

/**
 * The reporting half of {@code kernel/dma/debug.c}: {@code err_printk} with its counters
 * ({@code error_count}, {@code show_all_errors}, {@code show_num_errors}) and the driver filter,
 * the WARN text it prints, and {@code active_cacheline_inc_overlap}'s WARN_ONCE. Separate from
 * {@link DmaDebug} because the kernel keeps these behind their own state and lock too: the checks
 * decide that something is wrong, this decides whether and how it is printed.
 *
 * <p>Every error is counted; the first {@code num_errors} (1) are printed, or all while
 * {@code all_errors} is set, and only those of the driver in {@code driver_filter} when one is set
 * (a filtered error still uses up {@code num_errors}). A printed error is the WARN's message line,
 * {@code DMA-API: <driver or bus> <device>: ...}, and for errors about a known entry
 * {@code DMA-API: Mapped at:} followed by a {@code dmasim:} remark naming the call that made the
 * entry and its caller where the kernel prints five stack frames.
 *
 * <p>Lock order: callers may hold {@link DmaDebug}'s entry lock; this class's lock is taken inside
 * it, never around it.
 */
final class ErrorReports {
    static final String PR_FMT = "DMA-API: ";

    private final BootLog log;
    final DriverFilter filter = new DriverFilter();
    /** Guards the counters, so that an error's lines stay together. */
    private final Object lock = new Object();

    /**
     * What the current unmap or free hook of each thread printed, kept for {@link Misuse} to put in
     * front of a refusal (a shell shows the refusal, not the kernel log); null while no such hook runs.
     */
    private final ThreadLocal<List<String>> unmapReport = new ThreadLocal<>();

    /** u32s, under {@link #lock}. */
    private int errorCount;
    private int showAllErrors;
    private int showNumErrors = 1;
    private boolean exceededWarned;

    ErrorReports(BootLog log) {
        this.log = log;
    }

    /**
     * {@code err_printk}: counts the error and prints it when the driver filter and the limits
     * let it through.
     *
     * @return the kernel lines printed (none when suppressed)
     */
    List<String> errPrintk(DebugDevice dev, DebugEntry entry, String message) {
        synchronized (lock) {
            errorCount++;
            List<String> printed = List.of();
            if (filter.passes(dev) && (showAllErrors != 0 || showNumErrors != 0)) {
                printed = warn(dev, entry, message);
            }
            if (showAllErrors == 0 && showNumErrors != 0) {
                showNumErrors--;
            }
            List<String> collecting = unmapReport.get();
            if (collecting != null) {
                collecting.addAll(printed);
            }
            return printed;
        }
    }

    /** The WARN's message (one kernel line per line of the format) and {@code dump_entry_trace}. */
    private List<String> warn(DebugDevice dev, DebugEntry entry, String message) {
        List<String> out = new ArrayList<>(messageLines(dev, message));
        if (entry != null) {
            out.add(PR_FMT + "Mapped at:");
        }
        out.forEach(log::warn);
        if (entry != null) {
            log.dmasim(" " + entry.madeBy + " from " + entry.caller + " (the kernel prints the innermost five frames"
                + " of the mapping's stack here)");
        }
        return out;
    }

    /** {@code err_printk}'s WARN text: {@code DMA-API: <driver or bus> <device>: } before the first line. */
    static List<String> messageLines(DebugDevice dev, String message) {
        String[] lines = message.split("\n");
        List<String> out = new ArrayList<>(lines.length);
        for (int i = 0; i < lines.length; i++) {
            out.add(i == 0 ? PR_FMT + dev.driverString() + " " + dev.name() + ": " + lines[i] : lines[i]);
        }
        return out;
    }

    /**
     * {@code dma_debug_device_change}'s report of a device released with live entries, worded as
     * the kernel words it: {@code count} entries, the details of {@code last} (the last one found).
     */
    static String pendingAllocations(int count, long dma, long size, String dir, String type) {
        return String.format("device driver has pending DMA allocations while released from device [count=%d]\n"
            + "One of leaked entries details: [device address=0x%016x] [size=%s bytes] [mapped with %s] [mapped as %s]",
            count, dma, Long.toUnsignedString(size), dir, type);
    }

    /** {@code active_cacheline_inc_overlap}'s WARN_ONCE. */
    void exceeded(long cln) {
        synchronized (lock) {
            if (exceededWarned) {
                return;
            }
            exceededWarned = true;
        }
        log.warn(String.format(PR_FMT + "exceeded %d overlapping mappings of cacheline 0x%016x",
            ActiveCachelines.MAX_OVERLAP, cln));
    }

    /**
     * Runs an unmap or free hook's checks collecting what they print, kept for a refusal of the
     * call ({@link #takeUnmapReport}) and dropped when the call goes through.
     */
    void collecting(boolean executed, Runnable checks) {
        unmapReport.set(new ArrayList<>());
        try {
            checks.run();
        } finally {
            if (executed) {
                unmapReport.remove();
            }
        }
    }

    /** See {@link DmaDebug#takeUnmapReport}. */
    List<String> takeUnmapReport() {
        List<String> lines = unmapReport.get();
        unmapReport.remove();
        return lines == null ? List.of() : lines;
    }

    // ---- the counters' debugfs files ----

    long errorCount() {
        synchronized (lock) {
            return Integer.toUnsignedLong(errorCount);
        }
    }

    /** {@code all_errors} or {@code num_errors}, as the file reads. */
    String readLimit(boolean all) {
        synchronized (lock) {
            return Integer.toUnsignedString(all ? showAllErrors : showNumErrors) + "\n";
        }
    }

    /** A write to {@code all_errors} or {@code num_errors}: the u32 keeps the value's low 32 bits. */
    void writeLimit(boolean all, long value) {
        synchronized (lock) {
            if (all) {
                showAllErrors = (int) value;
            } else {
                showNumErrors = (int) value;
            }
        }
    }
}
