package org.dmasim.dmapool;

import java.util.Map;
import java.util.Set;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelVersion;

/**
 * Which {@code mm/dmapool.c} each modelled kernel has, i.e. the backend a platform's pools get
 * unless {@code backend.dmapool} chooses another: 6.1 has the per-page free chains of
 * {@link PoolV6_1}; 6.12 has the pool-wide free stack 6.4 introduced, {@link PoolV6_4} (16-byte
 * minimum block, a block may end exactly on a boundary, exact sysfs counters). Adding a kernel is
 * adding its line here, and a backend when its dma_pool is new.
 */
final class DmapoolKernels {
    private static final Map<KernelVersion, String> BACKEND = Map.of(
        KernelVersion.parse("6.1"), PoolV6_1.VERSION,
        KernelVersion.parse("6.12"), PoolV6_4.VERSION);

    private DmapoolKernels() {
    }

    /** The dma_pool algorithm of {@code kernel}. */
    static String defaultBackend(KernelVersion kernel) {
        String v = BACKEND.get(kernel);
        if (v == null) {
            throw new InvalidInputException("kernel " + kernel + ": dmapool knows the dma_pool of "
                + new java.util.TreeSet<>(kernels()) + " only");
        }
        return v;
    }

    static Set<KernelVersion> kernels() {
        return BACKEND.keySet();
    }
}
