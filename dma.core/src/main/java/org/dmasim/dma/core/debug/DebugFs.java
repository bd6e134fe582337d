package org.dmasim.dma.core.debug;

import static org.dmasim.api.dma.DmaApiDebug.FILES;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dmasim.api.platform.BootLog;

/**
 * {@code dma_debug_fs_init}'s directory, {@code /sys/kernel/debug/dma-api}: what each file reads
 * and what a write to the writable ones ({@code all_errors}, {@code num_errors},
 * {@code driver_filter}) does. Separate from {@link DmaDebug} because it is a view: it owns no
 * state, it reads and sets that of the entries ({@link DmaDebug}) and of the reports
 * ({@link ErrorReports}), and it holds the file-level rules (modes, {@code simple_attr_write}'s
 * parse, the errors a shell sees).
 */
final class DebugFs {
    private static final String DIR = "/sys/kernel/debug/dma-api/";

    private final DmaDebug debug;
    private final ErrorReports reports;
    private final BootLog log;

    DebugFs(DmaDebug debug, ErrorReports reports, BootLog log) {
        this.debug = debug;
        this.reports = reports;
        this.log = log;
    }

    /** See {@link DmaDebug#read}. */
    String read(String file) {
        return switch (file) {
            case "disabled" -> debug.disabled() ? "Y\n" : "N\n";
            case "error_count" -> reports.errorCount() + "\n";
            case "all_errors" -> reports.readLimit(true);
            case "num_errors" -> reports.readLimit(false);
            case "num_free_entries" -> debug.pooled(EntryPool::numFree) + "\n";
            case "min_free_entries" -> debug.pooled(EntryPool::minFree) + "\n";
            case "nr_total_entries" -> debug.pooled(EntryPool::nrTotal) + "\n";
            case "driver_filter" -> reports.filter.read();
            case "dump" -> {
                StringBuilder sb = new StringBuilder();
                debug.dump().forEach(l -> sb.append(l).append('\n'));
                yield sb.toString();
            }
            default -> throw noSuchFile(file);
        };
    }

    private static IllegalArgumentException noSuchFile(String file) {
        return new IllegalArgumentException(DIR + file + ": No such file or directory"
            + " (dma-api has: " + String.join(", ", FILES) + ")");
    }

    /** See {@link DmaDebug#debugfs}. */
    Map<String, String> all() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String f : FILES) {
            out.put(f, read(f));
        }
        return out;
    }

    /** See {@link DmaDebug#write}. */
    List<String> write(String file, String value) {
        switch (file) {
            case "all_errors", "num_errors" -> {
                long v = DmaDebug.kstrtoull(file, value);
                reports.writeLimit(file.equals("all_errors"), v);
                return List.of();
            }
            case "driver_filter" -> {
                List<String> printed = reports.filter.write(value).stream().map(l -> ErrorReports.PR_FMT + l).toList();
                printed.forEach(log::info);
                return printed;
            }
            default -> {
                if (FILES.contains(file)) {
                    throw new IllegalArgumentException(DIR + file + ": write error: Invalid"
                        + " argument (-EINVAL): the file is read-only (mode 0444)");
                }
                throw noSuchFile(file);
            }
        }
    }
}
