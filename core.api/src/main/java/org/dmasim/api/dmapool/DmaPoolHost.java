package org.dmasim.api.dmapool;

import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.platform.BootLog;
import org.osgi.annotation.versioning.ProviderType;

/** What the platform gives a {@link DmaPoolBackend} for its pools. */
@ProviderType
public interface DmaPoolHost {
    /** Where backing chunks come from ({@code dma_alloc_coherent}) and CPU access goes. */
    DmaApi dma();

    /** The platform's kernel log (dev_err/pr_err lines and dmasim remarks). */
    BootLog log();

    /**
     * {@code DMAPOOL_DEBUG}: defined when Kconfig enables {@code DEBUG_SLAB} or
     * {@code SLUB_DEBUG_ON}; poisons blocks and validates frees.
     */
    boolean debug();
}
