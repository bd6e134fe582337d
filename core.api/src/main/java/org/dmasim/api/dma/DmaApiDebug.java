package org.dmasim.api.dma;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * DMA-API debugging of one platform ({@code kernel/dma/debug.c}, CONFIG_DMA_API_DEBUG): the
 * checks every map, unmap, sync, allocation and free goes through, and its debugfs directory
 * {@code /sys/kernel/debug/dma-api/}. Present ({@link DmaApi#dmaDebug()}) when the platform's
 * kernel is built with {@code DMA_API_DEBUG=y}; {@code dma_debug=off} on the command line leaves
 * the directory with {@code disabled} at {@code Y}.
 *
 * <p>Reports follow the kernel's {@code err_printk}: every error counts in {@code error_count};
 * only {@code num_errors} of them (1 by default) are printed, all of them while
 * {@code all_errors} is non-zero, and only those of the driver named in {@code driver_filter}
 * when one is set.
 *
 * @since 1.3
 */
@ProviderType
public interface DmaApiDebug {
    /** The files of {@code dma-api/}, in the order {@code dma_debug_fs_init} creates them. */
    List<String> FILES = List.of("disabled", "error_count", "all_errors", "num_errors", "num_free_entries",
        "min_free_entries", "nr_total_entries", "driver_filter", "dump");

    /** {@code disabled}: debugging is off ({@code dma_debug=off}, or it ran out of memory and turned itself off). */
    boolean disabled();

    /** {@code error_count}: errors found so far, printed or not (a u32). */
    long errorCount();

    /**
     * The content of one debugfs file as {@code cat} shows it ({@code Y\n}, {@code 1\n}, the
     * driver name and a newline or nothing, the dump's lines).
     *
     * @throws IllegalArgumentException for a file {@code dma-api/} does not have
     */
    String read(String file);

    /** Every file's content, by {@link #FILES} order. */
    Map<String, String> debugfs();

    /** {@code dump}: one line per live entry, bucket by bucket. */
    List<String> dump();

    /**
     * {@code echo VALUE > dma-api/FILE}: {@code all_errors} and {@code num_errors} take a number
     * (as {@code kstrtoull} with base 0 reads it, stored as a u32), {@code driver_filter} a driver
     * name (a first character that is not a letter or digit switches the filter off).
     *
     * @return what the kernel printed for the write ({@code DMA-API: enable driver filter for
     *     driver [...]}), in order
     * @throws IllegalArgumentException with the write's error ({@code -EINVAL}) for a read-only
     *     file, an unknown file or a value the file does not take; nothing changes
     */
    List<String> write(String file, String value);
}
