package org.dmasim.api.cma;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The CMA areas of one platform, in declaration order ({@code cma_areas[]}), the default one,
 * and the platform-wide CMA vm events.
 */
@ProviderType
public interface CmaAreas {
    List<CmaArea> areas();

    /** {@code dma_contiguous_default_area}. */
    Optional<CmaArea> defaultArea();

    /**
     * The area named {@code name}: "reserved" for the default area from the command line or
     * Kconfig; for a device-tree area the {@code /reserved-memory} child's node name with its
     * unit address (e.g. {@code test-cma@58000000}), which is what {@code memory-region}
     * phandles point at ({@code rmem_cma_device_init} sets {@code dev->cma_area} to it).
     */
    default Optional<CmaArea> byName(String name) {
        return areas().stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /** {@code totalcma_pages}. */
    long totalPages();

    /** {@code /proc/vmstat cma_alloc_success}: successful cma_alloc calls, all areas. */
    default long cmaAllocSuccess() {
        throw new UnsupportedOperationException("cma_alloc_success is not supported by " + getClass().getName());
    }

    /** {@code /proc/vmstat cma_alloc_fail}: failed cma_alloc calls, all areas. */
    default long cmaAllocFail() {
        throw new UnsupportedOperationException("cma_alloc_fail is not supported by " + getClass().getName());
    }

    /**
     * {@code /sys/kernel/debug/cma/}: every area's files as {@code <name>/<file>} to contents,
     * areas in declaration order.
     */
    default Map<String, String> debugfs() {
        Map<String, String> files = new LinkedHashMap<>();
        for (CmaArea a : areas()) {
            a.debugfs().forEach((file, text) -> files.put(a.name() + "/" + file, text));
        }
        return files;
    }
}
