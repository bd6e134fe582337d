package org.dmasim.api.cma;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** The CMA areas of one platform, in declaration order, and the default one. */
@ProviderType
public interface CmaAreas {
    List<CmaArea> areas();

    /** {@code dma_contiguous_default_area}. */
    Optional<CmaArea> defaultArea();

    /** {@code totalcma_pages}. */
    long totalPages();
}
