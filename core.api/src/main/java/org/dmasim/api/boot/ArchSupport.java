package org.dmasim.api.boot;

import java.util.List;
import org.dmasim.api.platform.Arch;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The architecture backend: its boot order, the participant steps it owns, and the facts of its
 * {@code arch/*} headers that generic code needs (the kernel virtual layout).
 */
@ConsumerType
public interface ArchSupport extends BootParticipant {
    Arch arch();

    /** The kernel's early-boot order of the phases for this architecture. */
    List<BootPhase> bootOrder();

    /**
     * The kernel virtual layout of a platform whose DRAM starts at {@code startOfDram}
     * ({@code memblock_start_of_DRAM()} once memblock.memory is final; arm64 derives
     * {@code memstart_addr} from it).
     */
    KernelVirtualLayout virtualLayout(long startOfDram);
}
