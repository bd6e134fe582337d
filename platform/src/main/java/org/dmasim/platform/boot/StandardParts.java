package org.dmasim.platform.boot;

import java.util.List;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.platform.iommu.IommuBoot;
import org.dmasim.platform.mem.MemoryBoot;
import org.dmasim.platform.of.ReservedMemScan;

/**
 * The boot steps the platform bundle itself owns: generic kernel code every platform runs.
 * Reserved-memory handlers are not among them: each belongs to the backend whose kernel file
 * declares it (CMA's {@code rmem_cma_setup}, dma.core's {@code rmem_dma_setup}).
 */
public final class StandardParts {
    private StandardParts() {
    }

    public static List<BootParticipant> participants() {
        return List.of(new MemoryBoot(), new ReservedMemScan(), new CommandLineBanner(), new VfsHashTables(),
            new IommuBoot());
    }
}
