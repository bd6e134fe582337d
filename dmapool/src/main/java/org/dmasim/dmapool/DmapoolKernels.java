package org.dmasim.dmapool;

import java.util.Map;
import java.util.Set;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.KernelVersion;

/**
 * Which {@code mm/dmapool.c} each modelled kernel has, i.e. the backend a platform's pools get
 * unless {@code backend.dmapool} chooses another: 6.1 has the per-page free chains of
 * {@link PoolV6_1}; 6.12 has the pool-wide free stack 6.4 introduced, {@link PoolV6_4} (16-byte
 * minimum block, a block may end exactly on a boundary, exact sysfs counters). Adding a kernel is
 * adding its entry here, and a backend when its dma_pool is new.
 */
final class DmapoolKernels {
    private static final ByKernel<String> BACKEND = ByKernel.of("dmapool",
        Map.of("6.1", PoolV6_1.VERSION, "6.12", PoolV6_4.VERSION));

    private DmapoolKernels() {
    }

    /** The dma_pool algorithm of {@code kernel}. */
    static String defaultBackend(KernelVersion kernel) {
        return BACKEND.get(kernel);
    }

    static Set<KernelVersion> kernels() {
        return BACKEND.kernels();
    }
}
