package org.dmasim.api.boot;

import java.util.List;
import org.dmasim.api.platform.Arch;
import org.osgi.annotation.versioning.ConsumerType;

/** The architecture backend: its boot order and the participant steps it owns. */
@ConsumerType
public interface ArchSupport extends BootParticipant {
    Arch arch();

    /** The kernel's early-boot order of the phases for this architecture. */
    List<BootPhase> bootOrder();
}
