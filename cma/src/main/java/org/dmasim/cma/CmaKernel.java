package org.dmasim.cma;

import java.util.Map;
import java.util.Set;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.api.platform.KernelVersion;

/**
 * What {@code mm/cma.c} and {@code kernel/dma/contiguous.c} do differently per kernel version,
 * in one place: one object per version, picked by the platform's kernel ({@link #of}). Adding a
 * kernel is adding a subclass and its entry in {@link #BY_VERSION}.
 *
 * <ul>
 * <li>{@code cma_declare_contiguous_nid()}'s two lines name the node from 6.6 on (the NUMA CMA
 *     work): {@code cma: Reserved 64 MiB at 0x... on node -1}, {@code cma: Failed to reserve 64 MiB
 *     on node -1} (-1 is NUMA_NO_NODE, what {@code dma_contiguous_reserve()} passes).</li>
 * <li>How many areas fit: 6.1's {@code MAX_CMA_AREAS} is {@code 1 + CONFIG_CMA_AREAS} (19, so
 *     20); 6.12's is {@code CONFIG_CMA_AREAS} itself, whose default became 20.</li>
 * </ul>
 * Where the default area goes is the same code in both; what changes it is the DMA limit the
 * architecture passes ({@link org.dmasim.api.boot.ZoneLimits#contiguousLimit()}).
 */
abstract class CmaKernel {
    private static final ByKernel<CmaKernel> BY_VERSION = ByKernel.of("cma", Map.of(
        "6.1", new CmaKernel() {
            @Override
            String onNode() {
                return "";
            }

            @Override
            int maxAreas(Kconfig kconfig) {
                return 1 + (int) kconfig.number("CMA_AREAS");
            }
        },
        "6.12", new CmaKernel() {
            @Override
            String onNode() {
                return " on node -1";
            }

            @Override
            int maxAreas(Kconfig kconfig) {
                return (int) kconfig.number("CMA_AREAS");
            }
        }));

    static CmaKernel of(KernelVersion kernel) {
        return BY_VERSION.get(kernel);
    }

    static Set<KernelVersion> kernels() {
        return BY_VERSION.kernels();
    }

    /** What follows the size (and base) in the Reserved and Failed lines. */
    abstract String onNode();

    /** {@code MAX_CMA_AREAS}. */
    abstract int maxAreas(Kconfig kconfig);
}
