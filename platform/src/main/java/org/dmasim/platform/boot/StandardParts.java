package org.dmasim.platform.boot;

import java.util.List;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.ReservedMemHandler;
import org.dmasim.platform.iommu.IommuDefaultDomain;
import org.dmasim.platform.of.CoherentPoolReservedMem;
import org.dmasim.platform.of.ReservedMemScan;

/** The boot steps the platform bundle itself owns: generic kernel code every platform runs. */
public final class StandardParts {
    private StandardParts() {
    }

    public static List<BootParticipant> participants() {
        return List.of(new org.dmasim.platform.mem.MemoryBoot(), new ReservedMemScan(), new CommandLineBanner(), new VfsHashTables(), new IommuDefaultDomain());
    }

    public static List<ReservedMemHandler> handlers() {
        return List.of(new CoherentPoolReservedMem());
    }
}
